// core/streams against a real Apache Kafka broker (KRaft, on 127.0.0.1, started by
// testsupport/kafkabroker.h): connection profiles over PLAINTEXT, SASL (PLAIN, SCRAM) and TLS
// with checks that name what failed, metadata, creating and deleting topics, producing,
// consumer groups and their lag, the simulator, and the streams service through a broker
// outage.

#include "core/base/servicethread.h"
#include "core/store/store.h"
#include "core/streams/clusterclient.h"
#include "core/streams/connectionprofile.h"
#include "core/streams/kafkahandles.h"
#include "core/streams/messagebrowser.h"
#include "core/streams/producer.h"
#include "core/streams/profilestore.h"
#include "core/streams/simulator.h"
#include "core/streams/streamsservice.h"
#include "testsupport/kafkabroker.h"
#include "testsupport/verify.h"

#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace millrace;
using namespace millrace::streams;
using testsupport::KafkaBroker;
using namespace std::chrono_literals;

namespace {

ConnectionProfile profileFor(const QString &servers)
{
    ConnectionProfile profile;
    profile.id = QStringLiteral("test-profile");
    profile.name = QStringLiteral("test broker");
    profile.bootstrapServers = servers;
    return profile;
}

ConnectionCheck checkProfile(const ConnectionProfile &profile, const QString &secret)
{
    Result<ClusterEndpoint> endpoint = endpointForProfile(profile, secret);
    if (!endpoint)
        return ConnectionCheck{ConnectionCheck::Failure::Other, endpoint.errorMessage(), 0, {}};
    Result<std::unique_ptr<ClusterClient>> client = ClusterClient::create(endpoint.value());
    if (!client)
        return ConnectionCheck{ConnectionCheck::Failure::Other, client.errorMessage(), 0, {}};
    return client.value()->check(8s);
}

// Commits `offset` for every partition of `topic` as consumer group `group`, the way a consumer
// that read that far would.
Result<void> commitGroupOffset(const ClusterEndpoint &endpoint, const QString &group,
                               const QString &topic, int partitions, std::int64_t offset)
{
    Result<KafkaHandle> consumer = makeClient(
        RD_KAFKA_CONSUMER,
        endpoint.with({{"group.id", group.toStdString()}, {"enable.auto.commit", "false"}}));
    if (!consumer)
        return consumer.error();
    PartitionList list(rd_kafka_topic_partition_list_new(partitions));
    for (int p = 0; p < partitions; ++p)
        rd_kafka_topic_partition_list_add(list.get(), topic.toUtf8().constData(), p)->offset =
            offset;
    const rd_kafka_resp_err_t error = rd_kafka_commit(consumer->get(), list.get(), 0);
    rd_kafka_consumer_close(consumer->get());
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR)
        return kafkaError(QStringLiteral("committing"), error);
    return {};
}

std::shared_ptr<const ml::Dataset> smallImages()
{
    auto data = std::make_shared<ml::Dataset>();
    data->sampleShape = {28, 28};
    data->classCount = 10;
    for (int sample = 0; sample < 10; ++sample) {
        for (int pixel = 0; pixel < 784; ++pixel)
            data->features.push_back(float((sample * 31 + pixel) % 256) / 255.0f);
        data->classLabels.push_back(sample);
    }
    return data;
}

} // namespace

class TestStreamsBroker : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_broker.start(), qPrintable(m_broker.errorString()));
        auto endpoint = endpointForProfile(profileFor(m_broker.bootstrapServers()), QString());
        VERIFY_OK(endpoint);
        m_endpoint = endpoint.value();
        auto client = ClusterClient::create(m_endpoint);
        VERIFY_OK(client);
        m_client = std::move(client.value());
    }

    void plaintextProfileConnects()
    {
        const ConnectionCheck check = checkProfile(profileFor(m_broker.bootstrapServers()), {});
        QVERIFY2(check.ok(), qPrintable(check.message));
        QCOMPARE(check.brokerCount, 1);
    }

    void saslProfiles_data()
    {
        QTest::addColumn<int>("mechanism");
        QTest::addColumn<QString>("password");
        QTest::addColumn<bool>("accepted");
        const QString right = KafkaBroker::saslPassword();
        QTest::newRow("PLAIN, right password") << int(SaslMechanism::Plain) << right << true;
        QTest::newRow("PLAIN, wrong password") << int(SaslMechanism::Plain) << "wrong" << false;
        QTest::newRow("SCRAM-SHA-256, right") << int(SaslMechanism::ScramSha256) << right << true;
        QTest::newRow("SCRAM-SHA-256, wrong") << int(SaslMechanism::ScramSha256) << "nope" << false;
    }
    void saslProfiles()
    {
        QFETCH(int, mechanism);
        QFETCH(QString, password);
        QFETCH(bool, accepted);
        ConnectionProfile profile = profileFor(m_broker.saslBootstrapServers());
        profile.securityProtocol = SecurityProtocol::SaslPlaintext;
        profile.saslMechanism = SaslMechanism(mechanism);
        profile.username = KafkaBroker::saslUser();
        const ConnectionCheck check = checkProfile(profile, password);
        QCOMPARE(check.ok(), accepted);
        if (!accepted) {
            QVERIFY2(check.failure == ConnectionCheck::Failure::Authentication,
                     qPrintable(check.message));
            QVERIFY(!check.message.contains(password));
        }
    }

    void tlsProfiles()
    {
        ConnectionProfile profile = profileFor(m_broker.sslBootstrapServers());
        profile.securityProtocol = SecurityProtocol::Ssl;
        profile.caLocation = m_broker.caPath();
        // librdkafka checks the broker's name by default; the test certificate is for 127.0.0.1
        // and localhost.
        const ConnectionCheck trusted = checkProfile(profile, {});
        QVERIFY2(trusted.ok(), qPrintable(trusted.message));

        profile.caLocation.clear(); // the system's CAs do not know the test CA
        const ConnectionCheck untrusted = checkProfile(profile, {});
        QVERIFY(!untrusted.ok());
        QVERIFY2(untrusted.failure == ConnectionCheck::Failure::Tls, qPrintable(untrusted.message));
    }

    void aWrongPortIsUnreachable()
    {
        ConnectionProfile profile = profileFor(QStringLiteral("127.0.0.1:1"));
        const ConnectionCheck check = checkProfile(profile, {});
        QVERIFY(!check.ok());
        QVERIFY2(check.failure == ConnectionCheck::Failure::Unreachable, qPrintable(check.message));
    }

    void topicsAreCreatedDescribedAndDeleted()
    {
        TopicSpec spec{QStringLiteral("admin-topic"),
                       4,
                       1,
                       {{QStringLiteral("retention.ms"), QStringLiteral("3600000")}}};
        VERIFY_OK(m_client->createTopic(spec));
        VERIFY_FAILS(m_client->createTopic(spec), QString::fromLatin1(errorcode::kAlreadyExists));
        Result<TopicInfo> topic = m_client->describeTopic(spec.name);
        VERIFY_OK(topic);
        QCOMPARE(topic->partitions.size(), size_t(4));
        for (const PartitionInfo &partition : topic->partitions) {
            QCOMPARE(partition.leader, 1);
            QCOMPARE(partition.replicas, std::vector<std::int32_t>{1});
            QCOMPARE(partition.inSyncReplicas, std::vector<std::int32_t>{1});
            QCOMPARE(partition.highWatermark, 0);
        }
        QVERIFY(m_client->capabilities().deleteTopics);
        VERIFY_OK(m_client->deleteTopic(spec.name));
        QTRY_VERIFY_WITH_TIMEOUT(!m_client->describeTopic(spec.name), 10000);
        VERIFY_FAILS(m_client->deleteTopic(QStringLiteral("never-was")),
                     QString::fromLatin1(errorcode::kNotFound));
        VERIFY_FAILS(m_client->createTopic(TopicSpec{QStringLiteral("bad name!"), 1, 1, {}}),
                     QString::fromLatin1(errorcode::kInvalidArgument));
        VERIFY_FAILS(m_client->createTopic(TopicSpec{QStringLiteral("too-replicated"), 1, 3, {}}),
                     QString::fromLatin1(errorcode::kInvalidArgument));
    }

    void producedMessagesAndGroupLagAreCounted()
    {
        const QString topic = QStringLiteral("lag-topic");
        VERIFY_OK(m_client->createTopic(TopicSpec{topic, 3, 1, {}}));
        auto producer = MessageProducer::create(m_endpoint);
        VERIFY_OK(producer);
        for (int i = 0; i < 300; ++i) {
            OutgoingMessage message;
            message.partition = i % 3;
            message.value = QByteArray::number(i);
            VERIFY_OK(producer.value()->send(topic, message));
        }
        auto summary = producer.value()->flush();
        VERIFY_OK(summary);
        QCOMPARE(summary->delivered, 300);
        Result<TopicInfo> described = m_client->describeTopic(topic);
        VERIFY_OK(described);
        QCOMPARE(described->messageCount(), 300);

        const QString group = QStringLiteral("lag-group");
        VERIFY_OK(commitGroupOffset(m_endpoint, group, topic, 3, 40));
        Result<std::vector<GroupPartitionLag>> lag = m_client->groupLag(group, {topic});
        VERIFY_OK(lag);
        QCOMPARE(lag->size(), size_t(3));
        for (const GroupPartitionLag &entry : lag.value()) {
            QCOMPARE(entry.committedOffset, 40);
            QCOMPARE(entry.highWatermark, 100);
            QCOMPARE(entry.lag, 60);
        }
        Result<std::vector<ConsumerGroupInfo>> groups = m_client->consumerGroups();
        VERIFY_OK(groups);
        QVERIFY(std::any_of(groups->begin(), groups->end(),
                            [&](const ConsumerGroupInfo &info) { return info.id == group; }));
    }

    void theSimulatorPublishesAtItsRate()
    {
        const QString topic = QStringLiteral("simulated");
        VERIFY_OK(m_client->createTopic(TopicSpec{topic, 2, 1, {}}));
        SimulatorRequest request;
        request.topic = topic;
        request.source.samples = smallImages();
        request.rate = 200;
        request.count = 200;
        CancellationSource cancel;
        Result<SimulatorStatus> status = runSimulator(m_endpoint, request, cancel.token(), {});
        VERIFY_OK(status);
        QCOMPARE(status->delivered, 200);
        QCOMPARE(status->failed, 0);
        // 200 messages at 200/s take about a second; well above would mean no pacing at all.
        QVERIFY2(status->rate < 400, qPrintable(QString::number(status->rate)));
        QCOMPARE(m_client->describeTopic(topic)->messageCount(), 200);
    }

    void browsingPagesNeitherRepeatNorSkip_data()
    {
        QTest::addColumn<int>("order");
        QTest::newRow("newest first") << int(BrowseOrder::NewestFirst);
        QTest::newRow("oldest first") << int(BrowseOrder::OldestFirst);
    }
    void browsingPagesNeitherRepeatNorSkip()
    {
        QFETCH(int, order);
        const QString topic = QStringLiteral("browsed");
        if (!m_client->describeTopic(topic)) {
            VERIFY_OK(m_client->createTopic(TopicSpec{topic, 3, 1, {}}));
            auto producer = MessageProducer::create(m_endpoint);
            VERIFY_OK(producer);
            const std::int64_t base = QDateTime::currentMSecsSinceEpoch() - 100000;
            for (int i = 0; i < 1000; ++i) {
                OutgoingMessage message;
                message.partition = (i * 7) % 3;
                message.timestampMs = base + i * 10;
                message.value = QByteArray("{\"n\":") + QByteArray::number(i) + '}';
                VERIFY_OK(producer.value()->send(topic, message));
            }
            VERIFY_OK(producer.value()->flush());
        }
        auto browser = MessageBrowser::create(m_endpoint);
        VERIFY_OK(browser);
        BrowseQuery query;
        query.topic = topic;
        query.order = BrowseOrder(order);
        query.start =
            query.order == BrowseOrder::NewestFirst ? BrowseStart::Newest : BrowseStart::Oldest;
        query.pageSize = 64;
        CancellationSource cancel;
        Result<BrowsePage> page = browser.value()->firstPage(query, cancel.token());
        QSet<QString> seen;
        std::vector<std::int64_t> timestamps;
        std::vector<BrowseCursor> previousCursors;
        int pages = 0;
        while (true) {
            VERIFY_OK(page);
            for (const BrowsedMessage &message : page->messages) {
                const QString key =
                    QStringLiteral("%1/%2").arg(message.partition).arg(message.offset);
                QVERIFY2(!seen.contains(key), qPrintable(key));
                seen.insert(key);
                timestamps.push_back(message.timestampMs);
            }
            ++pages;
            if (page->atEnd)
                break;
            previousCursors.push_back(page->next);
            page = browser.value()->nextPage(query, page->next, cancel.token());
        }
        QCOMPARE(seen.size(), 1000);
        QCOMPARE(pages, 16);
        const bool ordered = query.order == BrowseOrder::NewestFirst
                                 ? std::is_sorted(timestamps.rbegin(), timestamps.rend())
                                 : std::is_sorted(timestamps.begin(), timestamps.end());
        QVERIFY(ordered);
        // Going back from the last page gives the page before it again.
        Result<BrowsePage> back =
            browser.value()->previousPage(query, page->previous, cancel.token());
        VERIFY_OK(back);
        QCOMPARE(back->messages.size(), size_t(64));
        QCOMPARE(back->messages.back().timestampMs,
                 timestamps[timestamps.size() - page->messages.size() - 1]);
    }

    void aFilterFindsTheMessagesItDescribes()
    {
        auto browser = MessageBrowser::create(m_endpoint);
        VERIFY_OK(browser);
        BrowseQuery query;
        query.topic = QStringLiteral("browsed");
        query.pageSize = 100;
        auto filter = MessageFilter::parse(QStringLiteral("n >= 990"));
        VERIFY_OK(filter);
        query.filter = filter.value();
        CancellationSource cancel;
        Result<BrowsePage> page = browser.value()->firstPage(query, cancel.token());
        VERIFY_OK(page);
        QCOMPARE(page->messages.size(), size_t(10));
        QCOMPARE(page->messages.front().value, QByteArray("{\"n\":999}"));
    }

    // Last: it stops the broker.
    void theServiceShowsAnOutageAndRecovers()
    {
        QTemporaryDir dir;
        auto store = Store::openMillrace(dir.filePath(QStringLiteral("millrace.db")));
        VERIFY_OK(store);
        ProfileStore profiles(*store.value());
        auto saved = profiles.save(profileFor(m_broker.bootstrapServers()));
        VERIFY_OK(saved);
        VERIFY_OK(profiles.setActiveProfileId(saved->id));
        StreamsService::Options options;
        options.refreshInterval = 300ms;
        auto *service = new StreamsService(*store.value(), profiles, nullptr, options);
        ServiceThread thread(service, QStringLiteral("streams"));
        thread.start();
        QTRY_VERIFY_WITH_TIMEOUT(service->snapshot().state == StreamsSnapshot::State::Connected,
                                 15000);
        QVERIFY(service->snapshot().metadata.topic(QStringLiteral("lag-topic")));

        QVERIFY2(m_broker.stop(), qPrintable(m_broker.errorString()));
        QTRY_VERIFY_WITH_TIMEOUT(service->snapshot().state == StreamsSnapshot::State::Down, 20000);
        QVERIFY(!service->snapshot().problem.isEmpty());
        // What it knew stays visible.
        QVERIFY(service->snapshot().metadata.topic(QStringLiteral("lag-topic")));

        QVERIFY2(m_broker.start(), qPrintable(m_broker.errorString()));
        QTRY_VERIFY_WITH_TIMEOUT(service->snapshot().state == StreamsSnapshot::State::Connected,
                                 60000);
        const TopicInfo *topic = service->snapshot().metadata.topic(QStringLiteral("lag-topic"));
        QVERIFY(topic);
        QCOMPARE(topic->messageCount(), 300);
        thread.stop();
    }

private:
    KafkaBroker m_broker;
    ClusterEndpoint m_endpoint;
    std::unique_ptr<ClusterClient> m_client;
};

QTEST_GUILESS_MAIN(TestStreamsBroker)
#include "tst_streamsbroker.moc"
