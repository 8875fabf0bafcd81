// Who the scoring server answers, over HTTP against a registered image CNN:
// - with a token set, /invocations, /metrics and /version answer 401 with WWW-Authenticate:
//   Bearer without it, with a wrong one or another scheme, and 200 with it (the scheme named in
//   any case); /ping and /health answer without it;
// - the default address is loopback; binding 0.0.0.0 without a token fails the service with a
//   message, nothing listens and nothing is loaded; allowUnauthenticatedRemote makes it listen,
//   with a warning in the log; with a token it listens on 0.0.0.0 without that flag;
// - bound to loopback, a request whose Host header names another machine (DNS rebinding) gets
//   403, on /invocations and /ping alike.

#include "servingfixture.h"

#include "core/serving/scoringserver.h"
#include "testsupport/httploadclient.h"
#include "testsupport/verify.h"

#include <QTest>

using namespace millrace;
using namespace servingtest;
using namespace testsupport;
using namespace Qt::StringLiterals;

namespace {

const QString kModel = u"fashion"_s;
const QByteArray kToken = "a-serving-token-for-tests-0123456789";

HttpHeaders bearer(const QByteArray &token)
{
    return {{"Authorization", "Bearer " + token}};
}

} // namespace

class TestServingSecurity : public QObject
{
    Q_OBJECT

    ServingWorkspace m_workspace;
    ml::Dataset m_images;
    qint64 m_version = 0;
    std::vector<float> m_expected;
    QByteArray m_body;

    std::unique_ptr<RunningService> serve(const serving::ScoringServerOptions &server)
    {
        serving::ServingConfig config = followProduction(kModel);
        config.server = server;
        auto service = std::make_unique<RunningService>(m_workspace.registry(),
                                                        m_workspace.architectures(), config);
        service->start();
        return service;
    }

    static serving::ScoringServerOptions options(const QHostAddress &address,
                                                 const QString &token = QString())
    {
        serving::ScoringServerOptions server;
        server.address = address;
        server.port = 0;
        server.token = token;
        return server;
    }

    // Why `reply` is not the served version's answer to m_body; empty when it is.
    QString scoringDifference(const HttpReply &reply) const
    {
        if (reply.status != 200)
            return u"status %1 %2: %3"_s.arg(reply.status)
                .arg(reply.error, QString::fromUtf8(reply.body));
        if (reply.header("X-Millrace-Model-Version") != QByteArray::number(m_version))
            return u"answered by version '%1'"_s.arg(
                QString::fromUtf8(reply.header("X-Millrace-Model-Version")));
        QString why;
        const auto rows = outputRows(reply.body, u"logits"_s, &why);
        return why.isEmpty() ? outputDifference(rows, m_expected, 10) : why;
    }

    // Checks that `reply` is the server's 401.
    static QString unauthorisedDifference(const HttpReply &reply)
    {
        if (reply.status != 401)
            return u"status %1, expected 401: %2"_s.arg(reply.status)
                .arg(QString::fromUtf8(reply.body.left(200)));
        if (reply.header("WWW-Authenticate") != "Bearer")
            return u"WWW-Authenticate is '%1'"_s.arg(
                QString::fromUtf8(reply.header("WWW-Authenticate")));
        const QJsonObject error = QJsonDocument::fromJson(reply.body).object();
        if (error.value(u"error_code"_s).toString() != u"UNAUTHENTICATED"_s
            || error.value(u"message"_s).toString().isEmpty())
            return u"not MLflow's error JSON: "_s + QString::fromUtf8(reply.body);
        return QString();
    }

private Q_SLOTS:
    void initTestCase();
    void tokenGuardsAllButHealth_data();
    void tokenGuardsAllButHealth();
    void defaultAddressIsLoopback();
    void anyAddressWithoutTokenIsRefused();
    void anyAddressWhenAllowedListensAndWarns();
    void anyAddressWithTokenListens();
    void foreignHostIsForbidden();
};

void TestServingSecurity::initTestCase()
{
    VERIFY_OK(m_workspace.open());
    auto images = fashionImages(1);
    QVERIFY2(images, images.errorMessage().c_str());
    m_images = std::move(*images);
    auto model = m_workspace.createModel("image-cnn", ml::ModelSignature::of(m_images), 5);
    VERIFY_OK(model);
    auto version = m_workspace.registerVersion(kModel, *model);
    VERIFY_OK(version);
    m_version = *version;
    VERIFY_OK(m_workspace.promote(kModel, m_version));
    auto expected = model->predict(m_images);
    QVERIFY2(expected, expected.errorMessage().c_str());
    m_expected = std::move(*expected);
    m_body = R"({"inputs": [)" + imageJson(m_images, 0, true) + "]}";
}

void TestServingSecurity::tokenGuardsAllButHealth_data()
{
    QTest::addColumn<HttpHeaders>("authorization");
    QTest::addColumn<bool>("accepted");

    QTest::newRow("no Authorization") << HttpHeaders{} << false;
    QTest::newRow("a wrong token") << bearer("not-the-token") << false;
    QTest::newRow("the token with one character more") << bearer(kToken + "x") << false;
    QTest::newRow("an empty bearer token") << bearer("") << false;
    QTest::newRow("Basic with the token")
        << HttpHeaders{{"Authorization", "Basic " + kToken.toBase64()}} << false;
    QTest::newRow("the token as a bare word") << HttpHeaders{{"Authorization", kToken}} << false;
    QTest::newRow("the token") << bearer(kToken) << true;
    // The scheme's name is case-insensitive (RFC 7235, 2.1), the token is not.
    QTest::newRow("the token, scheme in lower case")
        << HttpHeaders{{"Authorization", "bearer " + kToken}} << true;
    QTest::newRow("the token in upper case") << bearer(kToken.toUpper()) << false;
}

void TestServingSecurity::tokenGuardsAllButHealth()
{
    QFETCH(HttpHeaders, authorization);
    QFETCH(bool, accepted);
    auto service = serve(options(QHostAddress::LocalHost, QString::fromUtf8(kToken)));
    QTRY_COMPARE_WITH_TIMEOUT(service->primary(), m_version, 30000);
    HttpConnection connection(u"127.0.0.1"_s, service->port());

    const HttpReply scored =
        connection.post("/invocations", m_body, "application/json", authorization);
    const HttpReply metrics = connection.get("/metrics", authorization);
    const HttpReply version = connection.get("/version", authorization);
    if (accepted) {
        const QString difference = scoringDifference(scored);
        QVERIFY2(difference.isEmpty(), qPrintable(difference));
        QCOMPARE(metrics.status, 200);
        QVERIFY2(metrics.body.contains("millrace_serving_requests_total"),
                 metrics.body.constData());
        QCOMPARE(version.status, 200);
    } else {
        for (const HttpReply *reply : {&scored, &metrics, &version}) {
            const QString difference = unauthorisedDifference(*reply);
            QVERIFY2(difference.isEmpty(), qPrintable(difference));
        }
    }
    // Health checks need no token, with or without one sent.
    QCOMPARE(connection.get("/ping", authorization).status, 200);
    QCOMPARE(connection.get("/health").status, 200);
}

void TestServingSecurity::defaultAddressIsLoopback()
{
    QCOMPARE(serving::ScoringServerOptions().address, QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(serving::ServingConfig().server.address, QHostAddress(QHostAddress::LocalHost));
    QVERIFY(serving::ScoringServerOptions().token.isEmpty());
    QVERIFY(!serving::ScoringServerOptions().allowUnauthenticatedRemote);
}

void TestServingSecurity::anyAddressWithoutTokenIsRefused()
{
    LogCapture log;
    auto service = serve(options(QHostAddress::AnyIPv4));
    QTRY_VERIFY_WITH_TIMEOUT(!service->failures().isEmpty(), 30000);
    const QString message = service->failures().first();
    QVERIFY2(message.contains(u"0.0.0.0"_s) && message.contains(u"without a token"_s),
             qPrintable(message));
    QVERIFY(!log.matching(QtWarningMsg, u"refusing to serve on 0.0.0.0"_s).isEmpty());
    QCOMPARE(service->service().port(), 0);
    // A service that cannot serve does not go on to follow the stage: it loads nothing and
    // announces no deployment. (Stopping waits for any load it had started.)
    service->stop();
    QCoreApplication::sendPostedEvents();
    QCOMPARE(service->port(), 0);
    QCOMPARE(service->deployments(), 0);
    QVERIFY(log.matching(QtInfoMsg, u"loading version"_s).isEmpty());
}

void TestServingSecurity::anyAddressWhenAllowedListensAndWarns()
{
    LogCapture log;
    serving::ScoringServerOptions server = options(QHostAddress::AnyIPv4);
    server.allowUnauthenticatedRemote = true;
    auto service = serve(server);
    QTRY_VERIFY_WITH_TIMEOUT(service->port() > 0 && service->primary() == m_version, 30000);
    QVERIFY(service->failures().isEmpty());
    const QStringList warnings = log.matching(QtWarningMsg, u"WITHOUT a token"_s);
    QCOMPARE(warnings.size(), 1);
    QVERIFY2(warnings.first().contains(u"0.0.0.0"_s), qPrintable(warnings.first()));
    // Anyone may score: no token is asked for.
    HttpConnection connection(u"127.0.0.1"_s, service->port());
    const QString difference =
        scoringDifference(connection.post("/invocations", m_body, "application/json"));
    QVERIFY2(difference.isEmpty(), qPrintable(difference));
}

void TestServingSecurity::anyAddressWithTokenListens()
{
    LogCapture log;
    auto service = serve(options(QHostAddress::AnyIPv4, QString::fromUtf8(kToken)));
    QTRY_VERIFY_WITH_TIMEOUT(service->port() > 0 && service->primary() == m_version, 30000);
    QVERIFY(service->failures().isEmpty());
    QVERIFY(!log.matching(QtWarningMsg, u"requests need the token"_s).isEmpty());
    QVERIFY(log.matching(QtWarningMsg, u"WITHOUT a token"_s).isEmpty());
    HttpConnection connection(u"127.0.0.1"_s, service->port());
    QCOMPARE(connection.post("/invocations", m_body, "application/json").status, 401);
    const QString difference = scoringDifference(
        connection.post("/invocations", m_body, "application/json", bearer(kToken)));
    QVERIFY2(difference.isEmpty(), qPrintable(difference));
}

void TestServingSecurity::foreignHostIsForbidden()
{
    auto service = serve(options(QHostAddress::LocalHost));
    QTRY_COMPARE_WITH_TIMEOUT(service->primary(), m_version, 30000);
    const QByteArray port = QByteArray::number(service->port());
    HttpConnection connection(u"127.0.0.1"_s, service->port());
    const auto withHost = [](const QByteArray &host) { return HttpHeaders{{"Host", host}}; };

    const QList<QByteArray> foreign{"evil.example:" + port, "evil.example",
                                    "127.0.0.1.evil.example:" + port, "192.168.1.20:" + port};
    for (const QByteArray &host : foreign) {
        const HttpReply scored =
            connection.post("/invocations", m_body, "application/json", withHost(host));
        QVERIFY2(scored.status == 403,
                 qPrintable(u"Host %1: %2"_s.arg(QString::fromUtf8(host)).arg(scored.status)));
        QVERIFY2(QJsonDocument::fromJson(scored.body)
                     .object()
                     .value(u"message"_s)
                     .toString()
                     .contains(u"Host"_s),
                 scored.body.constData());
        QCOMPARE(connection.get("/ping", withHost(host)).status, 403);
        QCOMPARE(connection.get("/metrics", withHost(host)).status, 403);
    }
    // This machine's names are fine.
    const QList<QByteArray> local{"localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port,
                                  "localhost"};
    for (const QByteArray &host : local) {
        const QString difference = scoringDifference(
            connection.post("/invocations", m_body, "application/json", withHost(host)));
        QVERIFY2(difference.isEmpty(),
                 qPrintable(u"Host %1: %2"_s.arg(QString::fromUtf8(host), difference)));
        QCOMPARE(connection.get("/ping", withHost(host)).status, 200);
    }
}

QTEST_GUILESS_MAIN(TestServingSecurity)
#include "tst_servingsecurity.moc"
