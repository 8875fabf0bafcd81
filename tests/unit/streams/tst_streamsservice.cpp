// The streams service on its own thread: the embedded broker by default, snapshots with
// watermarks and rates, an unreachable profile shown as down, and the stream simulator.

#include "core/base/servicethread.h"
#include "core/store/appstate.h"
#include "core/store/store.h"
#include "core/streams/clusterclient.h"
#include "core/streams/profilestore.h"
#include "core/streams/streamsservice.h"
#include "testsupport/verify.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace millrace;
using namespace millrace::streams;
using namespace std::chrono_literals;

namespace {

// Four 2x2 "images" with pixel values k/255 and labels 0..3.
std::shared_ptr<const ml::Dataset> tinyDataset()
{
    auto data = std::make_shared<ml::Dataset>();
    data->sampleShape = {2, 2};
    data->classCount = 4;
    for (int sample = 0; sample < 4; ++sample) {
        for (int pixel = 0; pixel < 4; ++pixel)
            data->features.push_back(float(sample * 10 + pixel) / 255.0f);
        data->classLabels.push_back(sample);
    }
    return data;
}

} // namespace

class TestStreamsService : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        auto store = Store::openMillrace(m_dir->filePath(QStringLiteral("millrace.db")));
        VERIFY_OK(store);
        m_store = std::move(store.value());
        m_profiles = std::make_unique<ProfileStore>(*m_store);
        StreamsService::Options options;
        options.refreshInterval = 200ms;
        m_service = new StreamsService(*m_store, *m_profiles, nullptr, options);
        m_thread = std::make_unique<ServiceThread>(m_service, QStringLiteral("streams"));
    }
    void cleanup()
    {
        m_thread.reset();
        m_profiles.reset();
        m_store.reset();
        m_dir.reset();
    }

    void startsTheEmbeddedBrokerWithoutAProfile()
    {
        QSignalSpy endpoints(m_service, &StreamsService::endpointChanged);
        m_thread->start();
        QTRY_COMPARE(endpoints.count(), 1);
        QCOMPARE(endpoints.at(0).at(1).toBool(), true);
        const QString bootstrap = endpoints.at(0).at(2).toString();
        QVERIFY(bootstrap.startsWith(QLatin1String("127.0.0.1:")));
        QTRY_VERIFY(m_service->snapshot().state == StreamsSnapshot::State::Connected);
        QVERIFY(m_service->snapshot().embedded);
        QVERIFY(!m_service->snapshot().capabilities.deleteTopics);
        // Published for commands run next to the app, and withdrawn when it stops.
        auto published = [this] {
            return m_store
                ->read([](SQLite::Database &db) {
                    return appstate::get(db, QString::fromLatin1(kEmbeddedBootstrapSetting))
                        .value_or(QString());
                })
                .value();
        };
        QCOMPARE(published(), bootstrap);
        m_thread->stop();
        QCOMPARE(published(), QString());
    }

    void simulatedMessagesShowInTheSnapshots()
    {
        m_thread->start();
        QTRY_VERIFY(m_service->endpoint().has_value());
        auto client = ClusterClient::create(*m_service->endpoint());
        VERIFY_OK(client);
        VERIFY_OK(client.value()->createTopic(TopicSpec{QStringLiteral("fresh"), 2, 1, {}}, 5s));

        QSignalSpy statuses(m_service, &StreamsService::simulatorChanged);
        SimulatorRequest request;
        request.topic = QStringLiteral("fresh");
        request.source.samples = tinyDataset();
        request.source.idPrefix = QStringLiteral("tiny");
        request.rate = 400;
        request.count = 120;
        QMetaObject::invokeMethod(
            m_service, [service = m_service, request] { service->startSimulator(request); },
            Qt::QueuedConnection);
        QTRY_VERIFY_WITH_TIMEOUT(
            !statuses.isEmpty() && !statuses.last().at(0).value<SimulatorStatus>().running, 15000);
        const SimulatorStatus last = statuses.last().at(0).value<SimulatorStatus>();
        QCOMPARE(last.sent, 120);
        QCOMPARE(last.delivered, 120);
        QCOMPARE(last.failed, 0);
        QVERIFY(last.error.isEmpty());

        QTRY_VERIFY_WITH_TIMEOUT(
            [this] {
                const StreamsSnapshot snapshot = m_service->snapshot();
                const TopicInfo *topic = snapshot.metadata.topic(QStringLiteral("fresh"));
                return topic && topic->messageCount() == 120;
            }(),
            10000);
        const StreamsSnapshot snapshot = m_service->snapshot();
        QVERIFY(snapshot.history.size() >= 2);
        const bool sawTraffic =
            std::any_of(snapshot.history.begin(), snapshot.history.end(),
                        [](const ThroughputPoint &point) { return point.messagesPerSecond > 0; });
        QVERIFY(sawTraffic);
    }

    void simulatorRecordsAreTheLayoutTheDrainReads()
    {
        SimulatorSource source;
        source.samples = tinyDataset();
        source.idPrefix = QStringLiteral("tiny");
        const QByteArray record = simulatorRecord(source, 2, 7);
        QJsonParseError error;
        const QJsonObject json = QJsonDocument::fromJson(record, &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(json.value(QStringLiteral("id")).toString(), QStringLiteral("tiny-2-7"));
        QCOMPARE(json.value(QStringLiteral("label")).toInt(), 2);
        const QJsonArray image = json.value(QStringLiteral("image")).toArray();
        QCOMPARE(image.size(), 4);
        QCOMPARE(image.at(0).toInt(), 20);
        QCOMPARE(image.at(3).toInt(), 23);
    }

    void anUnreachableProfileIsShownDown()
    {
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost));
        const quint16 port = server.serverPort();
        server.close();
        ConnectionProfile profile;
        profile.name = QStringLiteral("gone");
        profile.bootstrapServers = QStringLiteral("127.0.0.1:%1").arg(port);
        auto saved = m_profiles->save(profile);
        VERIFY_OK(saved);
        VERIFY_OK(m_profiles->setActiveProfileId(saved->id));

        m_thread->start();
        QTRY_VERIFY_WITH_TIMEOUT(m_service->snapshot().state == StreamsSnapshot::State::Down,
                                 10000);
        const StreamsSnapshot snapshot = m_service->snapshot();
        QCOMPARE(snapshot.label, QStringLiteral("gone"));
        QVERIFY(!snapshot.embedded);
        QVERIFY2(snapshot.problem.contains(QLatin1String("failed")), qPrintable(snapshot.problem));

        // Switching back to the embedded broker recovers.
        QMetaObject::invokeMethod(
            m_service, [service = m_service] { service->activateProfile(QString()); },
            Qt::QueuedConnection);
        QTRY_VERIFY_WITH_TIMEOUT(m_service->snapshot().state == StreamsSnapshot::State::Connected,
                                 10000);
        QVERIFY(m_service->snapshot().embedded);
        QCOMPARE(m_profiles->activeProfileId().value(), QString());
    }

    void aSaslProfileWithoutItsPasswordSaysSo()
    {
        ConnectionProfile profile;
        profile.name = QStringLiteral("sasl");
        profile.bootstrapServers = QStringLiteral("127.0.0.1:9");
        profile.securityProtocol = SecurityProtocol::SaslPlaintext;
        profile.username = QStringLiteral("alice");
        auto saved = m_profiles->save(profile);
        VERIFY_OK(saved);
        VERIFY_OK(m_profiles->setActiveProfileId(saved->id));
        m_thread->start();
        QTRY_VERIFY(m_service->snapshot().state == StreamsSnapshot::State::Down);
        QVERIFY2(m_service->snapshot().problem.contains(QLatin1String("keychain")),
                 qPrintable(m_service->snapshot().problem));
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<ProfileStore> m_profiles;
    StreamsService *m_service = nullptr;
    std::unique_ptr<ServiceThread> m_thread;
};

QTEST_GUILESS_MAIN(TestStreamsService)
#include "tst_streamsservice.moc"
