// Metadata, administration and producing against the embedded broker (librdkafka's mock
// cluster, spoken to over TCP with the real protocol). The real broker runs the same calls in
// tests/integration/streams.

#include "core/streams/clusterclient.h"
#include "core/streams/embeddedbroker.h"
#include "core/streams/kafkahandles.h"
#include "core/streams/producer.h"
#include "testsupport/verify.h"

#include <QTcpServer>
#include <QTest>

using namespace millrace::streams;
using namespace std::chrono_literals;

class TestClusterClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        millrace::Result<std::shared_ptr<EmbeddedBroker>> broker = EmbeddedBroker::start(1);
        VERIFY_OK(broker);
        m_broker = broker.value();
        QVERIFY(m_broker->bootstrapServers().startsWith(QLatin1String("127.0.0.1:")));
        millrace::Result<std::unique_ptr<ClusterClient>> client =
            ClusterClient::create(m_broker->endpoint());
        VERIFY_OK(client);
        m_client = std::move(client.value());
    }

    void checkSucceedsOnTheEmbeddedBroker()
    {
        const ConnectionCheck check = m_client->check();
        QVERIFY2(check.ok(), qPrintable(check.message));
        QCOMPARE(check.brokerCount, 1);
        QVERIFY(m_client->endpoint().isEmbedded());
        QCOMPARE(m_client->endpoint().label, EmbeddedBroker::label());
    }

    void createdTopicsAppearWithTheirPartitions()
    {
        VERIFY_OK(m_client->createTopic(TopicSpec{QStringLiteral("images"), 3, 1, {}}, 5s));
        millrace::Result<ClusterMetadata> metadata = m_client->metadata(true, 5s);
        VERIFY_OK(metadata);
        const TopicInfo *topic = metadata->topic(QStringLiteral("images"));
        QVERIFY(topic);
        QCOMPARE(topic->partitions.size(), size_t(3));
        for (std::size_t i = 0; i < topic->partitions.size(); ++i) {
            QCOMPARE(topic->partitions[i].id, std::int32_t(i));
            QCOMPARE(topic->partitions[i].leader, 1);
            QCOMPARE(topic->partitions[i].lowWatermark, 0);
            QCOMPARE(topic->partitions[i].highWatermark, 0);
        }
        QCOMPARE(metadata->brokers.size(), size_t(1));
    }

    void producedMessagesMoveTheWatermarks()
    {
        VERIFY_OK(m_client->createTopic(TopicSpec{QStringLiteral("counted"), 2, 1, {}}, 5s));
        millrace::Result<std::unique_ptr<MessageProducer>> producer =
            MessageProducer::create(m_broker->endpoint());
        VERIFY_OK(producer);
        std::vector<DeliveryReport> reports;
        producer.value()->setDeliveryCallback(
            [&](const DeliveryReport &report) { reports.push_back(report); });
        for (int i = 0; i < 30; ++i) {
            OutgoingMessage message;
            message.partition = i % 2;
            message.key = QByteArray::number(i);
            message.value = QByteArray("{\"n\":") + QByteArray::number(i) + '}';
            message.headers.emplace_back("source", "test");
            VERIFY_OK(producer.value()->send(QStringLiteral("counted"), message));
        }
        millrace::Result<ProduceSummary> summary = producer.value()->flush(10s);
        VERIFY_OK(summary);
        QCOMPARE(summary->delivered, 30);
        QCOMPARE(summary->failed, 0);
        QCOMPARE(reports.size(), size_t(30));
        QCOMPARE(reports.back().topic, QStringLiteral("counted"));
        QVERIFY(reports.back().offset >= 0);

        millrace::Result<TopicInfo> topic = m_client->describeTopic(QStringLiteral("counted"), 5s);
        VERIFY_OK(topic);
        QCOMPARE(topic->messageCount(), 30);
        QCOMPARE(topic->partitions[0].highWatermark, 15);
        QCOMPARE(topic->partitions[1].highWatermark, 15);
    }

    void sendingToAMissingPartitionFails()
    {
        VERIFY_OK(m_client->createTopic(TopicSpec{QStringLiteral("single"), 1, 1, {}}, 5s));
        millrace::Result<std::unique_ptr<MessageProducer>> producer =
            MessageProducer::create(m_broker->endpoint());
        VERIFY_OK(producer);
        OutgoingMessage message;
        message.partition = 0;
        message.value = "ok";
        VERIFY_OK(producer.value()->send(QStringLiteral("single"), message));
        VERIFY_OK(producer.value()->flush(10s));
        // Now the producer knows the topic has one partition.
        message.partition = 7;
        const millrace::Result<void> sent =
            producer.value()->send(QStringLiteral("single"), message);
        if (sent) {
            millrace::Result<ProduceSummary> summary = producer.value()->flush(10s);
            VERIFY_OK(summary);
            QCOMPARE(summary->failed, 1);
            QVERIFY(!summary->firstError.isEmpty());
        } else {
            QCOMPARE(sent.error().code, QString::fromLatin1(errorcode::kNotFound));
        }
    }

    void describingAMissingTopicSaysSo()
    {
        VERIFY_FAILS(m_client->describeTopic(QStringLiteral("no-such-topic"), 5s),
                     QString::fromLatin1(errorcode::kNotFound));
    }

    void whatTheEmbeddedBrokerCannotDoIsUnsupported()
    {
        const ClusterCapabilities capabilities = m_client->capabilities();
        QVERIFY(capabilities.createTopics);
        QVERIFY(!capabilities.deleteTopics);
        QVERIFY(!capabilities.listGroups);
        VERIFY_FAILS(m_client->deleteTopic(QStringLiteral("images"), 5s),
                     QString::fromLatin1(errorcode::kUnsupported));
        VERIFY_FAILS(m_client->consumerGroups(5s), QString::fromLatin1(errorcode::kUnsupported));
    }

    void badTopicSpecsAreRefused()
    {
        VERIFY_FAILS(m_client->createTopic(TopicSpec{QString(), 1, 1, {}}, 5s),
                     QString::fromLatin1(errorcode::kInvalidArgument));
        VERIFY_FAILS(m_client->createTopic(TopicSpec{QStringLiteral("x"), 0, 1, {}}, 5s),
                     QString::fromLatin1(errorcode::kInvalidArgument));
    }

    void anUnreachableClusterIsReportedAsSuch()
    {
        // A port that was free a moment ago: nothing listens there.
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost));
        const quint16 port = server.serverPort();
        server.close();
        ClusterEndpoint endpoint{QStringLiteral("nowhere"),
                                 {{"bootstrap.servers", "127.0.0.1:" + std::to_string(port)}},
                                 nullptr};
        millrace::Result<std::unique_ptr<ClusterClient>> client = ClusterClient::create(endpoint);
        VERIFY_OK(client);
        const ConnectionCheck check = client.value()->check(1500ms);
        QVERIFY(!check.ok());
        QVERIFY(check.failure == ConnectionCheck::Failure::Unreachable);
        QVERIFY2(check.message.contains(QString::number(port)), qPrintable(check.message));
    }

    void groupLagCoversWhatTheGroupCommittedTo()
    {
        VERIFY_OK(m_client->createTopic(TopicSpec{QStringLiteral("lagged"), 2, 1, {}}, 5s));
        VERIFY_OK(m_client->createTopic(TopicSpec{QStringLiteral("untouched"), 1, 1, {}}, 5s));
        {
            auto producer = MessageProducer::create(m_broker->endpoint());
            VERIFY_OK(producer);
            for (int i = 0; i < 10; ++i) {
                OutgoingMessage message;
                message.value = "m";
                message.partition = i % 2;
                VERIFY_OK(producer.value()->send(QStringLiteral("lagged"), message));
                VERIFY_OK(producer.value()->send(QStringLiteral("untouched"), message));
            }
            VERIFY_OK(producer.value()->flush(5s));
        }
        // The group read 3 messages of partition 0 and committed; nothing of partition 1.
        auto consumer = makeClient(
            RD_KAFKA_CONSUMER,
            m_broker->endpoint().with({{"group.id", "scorer"}, {"enable.auto.commit", "false"}}));
        VERIFY_OK(consumer);
        PartitionList offsets(rd_kafka_topic_partition_list_new(1));
        rd_kafka_topic_partition_list_add(offsets.get(), "lagged", 0)->offset = 3;
        QCOMPARE(rd_kafka_commit(consumer.value().get(), offsets.get(), 0),
                 RD_KAFKA_RESP_ERR_NO_ERROR);

        // Without topics: only what the group committed to, with its lag.
        millrace::Result<std::vector<GroupPartitionLag>> lag =
            m_client->groupLag(QStringLiteral("scorer"), {}, 5s);
        VERIFY_OK(lag);
        QCOMPARE(lag->size(), std::size_t(1));
        QCOMPARE(lag->front().group, QStringLiteral("scorer"));
        QCOMPARE(lag->front().topic, QStringLiteral("lagged"));
        QCOMPARE(lag->front().partition, 0);
        QCOMPARE(lag->front().committedOffset, 3);
        QCOMPARE(lag->front().highWatermark, 5);
        QCOMPARE(lag->front().lag, 2);
        // Asked for the topic: its uncommitted partition too, lagging by all it holds.
        lag = m_client->groupLag(QStringLiteral("scorer"), {QStringLiteral("lagged")}, 5s);
        VERIFY_OK(lag);
        QCOMPARE(lag->size(), std::size_t(2));
        QCOMPARE(lag->at(1).committedOffset, -1);
        QCOMPARE(lag->at(1).lag, 5);
        // A group that committed nothing has no lag to show.
        lag = m_client->groupLag(QStringLiteral("nobody"), {}, 5s);
        VERIFY_OK(lag);
        QVERIFY(lag->empty());
    }

    void aBrokerOutageShowsAndPasses()
    {
        VERIFY_OK(m_broker->setBrokerUp(1, false));
        const ConnectionCheck down = m_client->check(1500ms);
        QVERIFY(!down.ok());
        VERIFY_OK(m_broker->setBrokerUp(1, true));
        QTRY_VERIFY_WITH_TIMEOUT(m_client->check(1000ms).ok(), 15000);
    }

    void cleanupTestCase()
    {
        m_client.reset();
        m_broker.reset();
    }

private:
    std::shared_ptr<EmbeddedBroker> m_broker;
    std::unique_ptr<ClusterClient> m_client;
};

QTEST_GUILESS_MAIN(TestClusterClient)
#include "tst_clusterclient.moc"
