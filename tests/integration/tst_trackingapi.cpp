// The tracking REST API over HTTP, in process: bad input gets MLflow's error code and status,
// changes nothing, and the server keeps serving.

#include "core/base/servicethread.h"
#include "core/store/store.h"
#include "core/tracking/trackingserver.h"
#include "core/tracking/trackingstore.h"
#include "testsupport/httpcall.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace millrace;
using namespace millrace::tracking;

class TestTrackingApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void badInputGetsMlflowErrors_data();
    void badInputGetsMlflowErrors();
    void rejectedBatchWritesNothing();
    void artifactsRoundTripAndRefuseEscapes();
    void foreignHostIsRefused();

private:
    using Answer = testsupport::HttpAnswer;
    Answer call(const QByteArray &method, const QString &path, const QByteArray &body = {});
    QString createRun();

    QTemporaryDir m_dir;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<TrackingStore> m_tracking;
    std::unique_ptr<ServiceThread> m_server;
    QNetworkAccessManager m_network;
    QString m_base;
    QString m_runId;
};

void TestTrackingApi::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    auto store = Store::openMillrace(m_dir.filePath(QStringLiteral("millrace.db")));
    QVERIFY2(store, qPrintable(store.errorMessage()));
    m_store = std::move(store).value();
    m_tracking =
        std::make_unique<TrackingStore>(*m_store, m_dir.filePath(QStringLiteral("artifacts")));
    auto *server = new TrackingServer(*m_tracking, QHostAddress::LocalHost, 0);
    QSignalSpy listening(server, &TrackingServer::listening);
    m_server = std::make_unique<ServiceThread>(server, QStringLiteral("tracking-server"));
    m_server->start();
    QVERIFY(listening.wait(10000));
    m_base = QStringLiteral("http://127.0.0.1:%1").arg(server->port());

    const Answer experiment = call("POST", QStringLiteral("/api/2.0/mlflow/experiments/create"),
                                   R"({"name": "api-test"})");
    QCOMPARE(experiment.status, 200);
    m_runId = createRun();
    QVERIFY(!m_runId.isEmpty());
    const Answer param = call(
        "POST", QStringLiteral("/api/2.0/mlflow/runs/log-parameter"),
        QStringLiteral(R"({"run_id": "%1", "key": "lr", "value": "0.01"})").arg(m_runId).toUtf8());
    QCOMPARE(param.status, 200);
}

void TestTrackingApi::cleanupTestCase()
{
    m_server.reset();
    m_tracking.reset();
    m_store.reset();
}

TestTrackingApi::Answer TestTrackingApi::call(const QByteArray &method, const QString &path,
                                              const QByteArray &body)
{
    return testsupport::httpCall(m_network, method, QUrl(m_base + path), body);
}

QString TestTrackingApi::createRun()
{
    const Answer run = call("POST", QStringLiteral("/api/2.0/mlflow/runs/create"),
                            R"({"experiment_id": "1", "run_name": "r"})");
    return run.json.value(QStringLiteral("run"))
        .toObject()
        .value(QStringLiteral("info"))
        .toObject()
        .value(QStringLiteral("run_id"))
        .toString();
}

namespace {

QByteArray manyMetrics(const QString &runId, int count)
{
    QJsonArray metrics;
    for (int i = 0; i < count; ++i)
        metrics.append(QJsonObject{{QStringLiteral("key"), QStringLiteral("m")},
                                   {QStringLiteral("value"), i},
                                   {QStringLiteral("timestamp"), 1},
                                   {QStringLiteral("step"), i}});
    return QJsonDocument(
               QJsonObject{{QStringLiteral("run_id"), runId}, {QStringLiteral("metrics"), metrics}})
        .toJson();
}

QByteArray manyPairs(const QString &runId, const QString &field, int count)
{
    QJsonArray pairs;
    for (int i = 0; i < count; ++i)
        pairs.append(QJsonObject{{QStringLiteral("key"), QStringLiteral("k%1").arg(i)},
                                 {QStringLiteral("value"), QStringLiteral("v")}});
    return QJsonDocument(QJsonObject{{QStringLiteral("run_id"), runId}, {field, pairs}}).toJson();
}

} // namespace

void TestTrackingApi::badInputGetsMlflowErrors_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("errorCode");
    QTest::addColumn<QString>("messagePart");

    const QString run = QStringLiteral("RUN"); // replaced by the real run id
    QTest::newRow("malformed JSON")
        << QByteArray("POST") << QStringLiteral("runs/create")
        << QByteArray(R"({"experiment_id": "1", )") << 400 << QStringLiteral("BAD_REQUEST")
        << QStringLiteral("Malformed JSON");
    QTest::newRow("body not an object")
        << QByteArray("POST") << QStringLiteral("runs/log-metric") << QByteArray("[1, 2]") << 400
        << QStringLiteral("BAD_REQUEST") << QStringLiteral("JSON object");
    QTest::newRow("missing name") << QByteArray("POST") << QStringLiteral("experiments/create")
                                  << QByteArray("{}") << 400
                                  << QStringLiteral("INVALID_PARAMETER_VALUE")
                                  << QStringLiteral("'name'");
    QTest::newRow("missing metric key")
        << QByteArray("POST") << QStringLiteral("runs/log-metric")
        << QByteArray(R"({"run_id": "RUN", "value": 1, "timestamp": 1})") << 400
        << QStringLiteral("INVALID_PARAMETER_VALUE") << QStringLiteral("'key'");
    QTest::newRow("metric value not a number")
        << QByteArray("POST") << QStringLiteral("runs/log-metric")
        << QByteArray(R"({"run_id": "RUN", "key": "acc", "value": "abc", "timestamp": 1})") << 400
        << QStringLiteral("INVALID_PARAMETER_VALUE") << QStringLiteral("'value'");
    QTest::newRow("1001 metrics") << QByteArray("POST") << QStringLiteral("runs/log-batch")
                                  << manyMetrics(run, 1001) << 400
                                  << QStringLiteral("INVALID_PARAMETER_VALUE")
                                  << QStringLiteral("at most 1000 metrics");
    QTest::newRow("101 params") << QByteArray("POST") << QStringLiteral("runs/log-batch")
                                << manyPairs(run, QStringLiteral("params"), 101) << 400
                                << QStringLiteral("INVALID_PARAMETER_VALUE")
                                << QStringLiteral("at most 100 params");
    QTest::newRow("101 tags") << QByteArray("POST") << QStringLiteral("runs/log-batch")
                              << manyPairs(run, QStringLiteral("tags"), 101) << 400
                              << QStringLiteral("INVALID_PARAMETER_VALUE")
                              << QStringLiteral("at most 100 tags");
    QTest::newRow("unknown run") << QByteArray(
        "GET") << QStringLiteral("runs/get?run_id=0123456789abcdef0123456789abcdef")
                                 << QByteArray() << 404 << QStringLiteral("RESOURCE_DOES_NOT_EXIST")
                                 << QStringLiteral("not found");
    QTest::newRow("log to unknown run")
        << QByteArray("POST") << QStringLiteral("runs/log-parameter")
        << QByteArray(R"({"run_id": "0123456789abcdef0123456789abcdef", "key": "a", "value": "b"})")
        << 404 << QStringLiteral("RESOURCE_DOES_NOT_EXIST") << QStringLiteral("not found");
    QTest::newRow("unknown experiment")
        << QByteArray("GET") << QStringLiteral("experiments/get?experiment_id=999999")
        << QByteArray() << 404 << QStringLiteral("RESOURCE_DOES_NOT_EXIST")
        << QStringLiteral("999999");
    QTest::newRow("experiment id not a number")
        << QByteArray("GET") << QStringLiteral("experiments/get?experiment_id=abc") << QByteArray()
        << 400 << QStringLiteral("INVALID_PARAMETER_VALUE") << QStringLiteral("valid integer");
    QTest::newRow("missing experiment by name")
        << QByteArray("GET") << QStringLiteral("experiments/get-by-name?experiment_name=nope")
        << QByteArray() << 404 << QStringLiteral("RESOURCE_DOES_NOT_EXIST")
        << QStringLiteral("nope");
    QTest::newRow("duplicate experiment")
        << QByteArray("POST") << QStringLiteral("experiments/create")
        << QByteArray(R"({"name": "api-test"})") << 400 << QStringLiteral("RESOURCE_ALREADY_EXISTS")
        << QStringLiteral("already exists");
    QTest::newRow("param re-logged with another value")
        << QByteArray("POST") << QStringLiteral("runs/log-parameter")
        << QByteArray(R"({"run_id": "RUN", "key": "lr", "value": "0.02"})") << 400
        << QStringLiteral("INVALID_PARAMETER_VALUE") << QStringLiteral("Changing param values");
    QTest::newRow("bad filter")
        << QByteArray("POST") << QStringLiteral("runs/search")
        << QByteArray(R"({"experiment_ids": ["1"], "filter": "metrics.acc >>> 1"})") << 400
        << QStringLiteral("INVALID_PARAMETER_VALUE") << QStringLiteral("position 14");
    QTest::newRow("bad page token")
        << QByteArray("POST") << QStringLiteral("runs/search")
        << QByteArray(R"({"experiment_ids": ["1"], "page_token": "!!"})") << 400
        << QStringLiteral("INVALID_PARAMETER_VALUE") << QStringLiteral("page token");
    QTest::newRow("bad key name") << QByteArray("POST") << QStringLiteral("runs/set-tag")
                                  << QByteArray(R"({"run_id": "RUN", "key": "../x", "value": "v"})")
                                  << 400 << QStringLiteral("INVALID_PARAMETER_VALUE")
                                  << QStringLiteral("Invalid tag name");
    QTest::newRow("unknown endpoint")
        << QByteArray("POST") << QStringLiteral("runs/frobnicate") << QByteArray("{}") << 404
        << QStringLiteral("ENDPOINT_NOT_FOUND") << QStringLiteral("runs/frobnicate");
}

void TestTrackingApi::badInputGetsMlflowErrors()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, errorCode);
    QFETCH(QString, messagePart);

    body.replace("RUN", m_runId.toUtf8());
    const Answer answer = call(method, QStringLiteral("/api/2.0/mlflow/") + path, body);
    QVERIFY2(answer.status == status, answer.raw.constData());
    QCOMPARE(answer.json.value(QStringLiteral("error_code")).toString(), errorCode);
    QVERIFY2(answer.json.value(QStringLiteral("message")).toString().contains(messagePart),
             answer.raw.constData());

    // The server keeps serving, and what was there is unchanged.
    const Answer run = call("GET", QStringLiteral("/api/2.0/mlflow/runs/get?run_id=") + m_runId);
    QCOMPARE(run.status, 200);
    const QJsonObject data =
        run.json.value(QStringLiteral("run")).toObject().value(QStringLiteral("data")).toObject();
    QCOMPARE(data.value(QStringLiteral("params")).toArray(),
             (QJsonArray{QJsonObject{{QStringLiteral("key"), QStringLiteral("lr")},
                                     {QStringLiteral("value"), QStringLiteral("0.01")}}}));
    QVERIFY(!data.contains(QStringLiteral("metrics")));
}

void TestTrackingApi::rejectedBatchWritesNothing()
{
    const QString runId = createRun();
    QVERIFY(!runId.isEmpty());
    QCOMPARE(
        call(
            "POST", QStringLiteral("/api/2.0/mlflow/runs/log-parameter"),
            QStringLiteral(R"({"run_id": "%1", "key": "lr", "value": "0.01"})").arg(runId).toUtf8())
            .status,
        200);
    // Good metrics and tags, one changed param: the whole batch is refused.
    const QByteArray batch = QStringLiteral(R"({"run_id": "%1",
        "metrics": [{"key": "acc", "value": 0.5, "timestamp": 1, "step": 0},
                    {"key": "acc", "value": 0.6, "timestamp": 2, "step": 1}],
        "params": [{"key": "epochs", "value": "3"}, {"key": "lr", "value": "0.5"}],
        "tags": [{"key": "team", "value": "vision"}]})")
                                 .arg(runId)
                                 .toUtf8();
    const Answer refused = call("POST", QStringLiteral("/api/2.0/mlflow/runs/log-batch"), batch);
    QCOMPARE(refused.status, 400);
    QCOMPARE(refused.json.value(QStringLiteral("error_code")).toString(),
             QStringLiteral("INVALID_PARAMETER_VALUE"));

    const Answer run = call("GET", QStringLiteral("/api/2.0/mlflow/runs/get?run_id=") + runId);
    const QJsonObject data =
        run.json.value(QStringLiteral("run")).toObject().value(QStringLiteral("data")).toObject();
    QVERIFY(!data.contains(QStringLiteral("metrics")));
    QCOMPARE(data.value(QStringLiteral("params")).toArray().size(), 1);
    for (const QJsonValue &tag : data.value(QStringLiteral("tags")).toArray())
        QVERIFY(tag.toObject().value(QStringLiteral("key")).toString() != QLatin1String("team"));
    const Answer history = call(
        "GET",
        QStringLiteral("/api/2.0/mlflow/metrics/get-history?run_id=%1&metric_key=acc").arg(runId));
    QCOMPARE(history.status, 200);
    QVERIFY(!history.json.contains(QStringLiteral("metrics")));
}

void TestTrackingApi::artifactsRoundTripAndRefuseEscapes()
{
    const QString file =
        QStringLiteral("/api/2.0/mlflow-artifacts/artifacts/1/%1/artifacts/notes/a.txt")
            .arg(m_runId);
    QCOMPARE(call("PUT", file, "hello").status, 200);
    const Answer back = call("GET", file);
    QCOMPARE(back.status, 200);
    QCOMPARE(back.raw, QByteArray("hello"));
    const Answer listing =
        call("GET", QStringLiteral("/api/2.0/mlflow-artifacts/artifacts?path=1/%1/artifacts/notes")
                        .arg(m_runId));
    QCOMPARE(listing.status, 200);
    QCOMPARE(listing.json.value(QStringLiteral("files")).toArray().size(), 1);
    QCOMPARE(listing.json.value(QStringLiteral("files"))
                 .toArray()
                 .first()
                 .toObject()
                 .value(QStringLiteral("file_size"))
                 .toInt(),
             5);

    // A path that climbs out of the artifact root is refused and writes nothing. Sent over a raw
    // socket: HTTP client libraries would remove the dot segments before sending.
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, QUrl(m_base).port());
    QVERIFY(socket.waitForConnected(10000));
    socket.write("PUT /api/2.0/mlflow-artifacts/artifacts/1/../../escaped.txt HTTP/1.1\r\n"
                 "Host: 127.0.0.1\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx");
    QByteArray response;
    while (!response.contains("\r\n\r\n") && socket.waitForReadyRead(10000))
        response += socket.readAll();
    QVERIFY2(response.startsWith("HTTP/1.1 400"), response.constData());
    QVERIFY(!QFileInfo::exists(m_dir.filePath(QStringLiteral("escaped.txt"))));
    QVERIFY(
        !QFileInfo::exists(QFileInfo(m_dir.path()).dir().filePath(QStringLiteral("escaped.txt"))));
    QCOMPARE(
        call("GET", QStringLiteral("/api/2.0/mlflow-artifacts/artifacts/1/missing.txt")).status,
        404);
}

void TestTrackingApi::foreignHostIsRefused()
{
    for (const QByteArray &host : {QByteArray("evil.example"), QByteArray("evil.example:5000"),
                                   QByteArray("192.168.1.10:5000")}) {
        QNetworkRequest request(
            QUrl(m_base + QStringLiteral("/api/2.0/mlflow/experiments/create")));
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
        request.setRawHeader("Host", host);
        QNetworkReply *reply = m_network.post(request, R"({"name": "rebound"})");
        QSignalSpy finished(reply, &QNetworkReply::finished);
        QVERIFY(reply->isFinished() || finished.wait(20000));
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 403);
        reply->deleteLater();
    }
    const Answer missing = call(
        "GET", QStringLiteral("/api/2.0/mlflow/experiments/get-by-name?experiment_name=rebound"));
    QCOMPARE(missing.status, 404);
    // Local names with a port are fine.
    QCOMPARE(call("GET", QStringLiteral("/api/2.0/mlflow/experiments/get?experiment_id=0")).status,
             200);
}

QTEST_GUILESS_MAIN(TestTrackingApi)
#include "tst_trackingapi.moc"
