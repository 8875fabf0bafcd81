// `millrace serve` as a user runs it, as a process (MILLRACE_BIN):
// - on a workspace this test's own Session holds (serve opens the registry read-only), it
//   prints the address it serves on (port 0: one the system picked), answers a scoring request
//   with the Production version's outputs (as core/ml computes them), tells its version at
//   /version, follows a promotion made by this process to the next version, and exits 0 on
//   SIGTERM;
// - a batch still being scored when SIGTERM arrives gets its answer before the server closes;
// - on a port already taken it exits 1 saying so, having served nothing;
// - without --model it exits 2 and prints its usage.

#include "servingfixture.h"

#include "testsupport/childenvironment.h"
#include "testsupport/httploadclient.h"
#include "testsupport/verify.h"

#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTest>

#include <csignal>

using namespace millrace;
using namespace servingtest;
using namespace testsupport;
using namespace Qt::StringLiterals;

namespace {

const QString kModel = u"fashion"_s;

// `millrace serve` as a child process: its output read as it comes, its port from its first line.
class ServeProcess
{
public:
    ServeProcess(QString binary, const QProcessEnvironment &environment)
        : m_binary(std::move(binary))
    {
        m_process.setProcessEnvironment(environment);
    }
    ~ServeProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(10000);
        }
    }

    void start(const QStringList &arguments)
    {
        m_process.start(m_binary, arguments);
        m_process.waitForStarted();
    }
    bool ended() const { return m_process.state() == QProcess::NotRunning; }
    /// The exit code once it ended normally, else -1.
    int exitCode() const
    {
        return ended() && m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode()
                                                                         : -1;
    }
    /// Everything it printed so far, standard output then standard error.
    QString output()
    {
        read();
        return QString::fromUtf8(m_out + m_err);
    }
    bool printed(const QByteArray &text)
    {
        read();
        return m_out.contains(text);
    }
    /// "serving NAME/STAGE on http://127.0.0.1:PORT/invocations": the target and the port.
    QRegularExpressionMatch servingLine()
    {
        read();
        static const QRegularExpression line(
            u"^serving (\\S+) on http://127\\.0\\.0\\.1:(\\d+)/invocations"_s,
            QRegularExpression::MultilineOption);
        return line.match(QString::fromUtf8(m_out));
    }
    quint16 port() { return quint16(servingLine().captured(2).toUInt()); }
    /// Sends SIGTERM and waits: the exit code, or -1 when it did not end normally in time.
    int terminate()
    {
        if (::kill(pid_t(m_process.processId()), SIGTERM) != 0 || !m_process.waitForFinished(30000))
            return -1;
        read();
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }

private:
    void read()
    {
        m_out += m_process.readAllStandardOutput();
        m_err += m_process.readAllStandardError();
    }

    QString m_binary;
    QProcess m_process;
    QByteArray m_out;
    QByteArray m_err;
};

} // namespace

class TestServeCommand : public QObject
{
    Q_OBJECT

    QString m_binary;
    ServingWorkspace m_workspace;
    QTemporaryDir m_home;
    ml::Dataset m_images;
    std::map<qint64, std::vector<float>> m_expected;
    QByteArray m_body;

    // The environment `millrace serve` runs in (nothing of the user's is read).
    QProcessEnvironment environment() const
    {
        return testsupport::isolatedChildEnvironment(m_home);
    }

    // Why `reply` is not `version`'s answer to m_body; empty when it is.
    QString scoringDifference(const HttpReply &reply, qint64 version)
    {
        if (reply.status != 200)
            return u"status %1 %2: %3"_s.arg(reply.status)
                .arg(reply.error, QString::fromUtf8(reply.body));
        if (reply.header("X-Millrace-Model-Version") != QByteArray::number(version))
            return u"answered by version '%1', expected %2"_s.arg(
                QString::fromUtf8(reply.header("X-Millrace-Model-Version")),
                QString::number(version));
        QString why;
        const auto rows = outputRows(reply.body, u"logits"_s, &why);
        return why.isEmpty() ? outputDifference(rows, m_expected[version], 10) : why;
    }

private Q_SLOTS:
    void initTestCase();
    void servesFollowsAndStopsOnSigterm();
    void sigtermAnswersTheRequestInFlight();
    void aPortInUseFails();
    void withoutModelIsAUsageError();
};

void TestServeCommand::initTestCase()
{
    m_binary = qEnvironmentVariable("MILLRACE_BIN");
    QVERIFY2(QFileInfo(m_binary).isExecutable(), "MILLRACE_BIN must name the built millrace");
    QVERIFY(m_home.isValid());
    VERIFY_OK(m_workspace.open());
    auto images = fashionImages(1);
    QVERIFY2(images, images.errorMessage().c_str());
    m_images = std::move(*images);
    for (std::uint64_t seed : {21, 22}) {
        auto model = m_workspace.createModel("image-cnn", ml::ModelSignature::of(m_images), seed);
        VERIFY_OK(model);
        auto version = m_workspace.registerVersion(kModel, *model);
        VERIFY_OK(version);
        auto outputs = model->predict(m_images);
        QVERIFY2(outputs, outputs.errorMessage().c_str());
        m_expected[*version] = std::move(*outputs);
    }
    VERIFY_OK(m_workspace.promote(kModel, 1));
    m_body = R"({"inputs": [)" + imageJson(m_images, 0, true) + "]}";
}

void TestServeCommand::servesFollowsAndStopsOnSigterm()
{
    ServeProcess serve(m_binary, environment());
    serve.start({u"--workspace"_s, m_workspace.root(), u"serve"_s, u"--model"_s, kModel,
                 u"--port"_s, u"0"_s, u"--workers"_s, u"2"_s});
    QTRY_VERIFY2_WITH_TIMEOUT(serve.servingLine().hasMatch() || serve.ended(),
                              qPrintable(serve.output()), 60000);
    QVERIFY2(serve.servingLine().hasMatch(), qPrintable(serve.output()));
    QCOMPARE(serve.servingLine().captured(1), u"fashion/Production"_s);
    const quint16 port = serve.port();
    QVERIFY(port > 0);

    QTRY_VERIFY2_WITH_TIMEOUT(serve.printed("now answering with version 1"),
                              qPrintable(serve.output()), 60000);
    HttpConnection connection(u"127.0.0.1"_s, port);
    QString difference =
        scoringDifference(connection.post("/invocations", m_body, "application/json"), 1);
    QVERIFY2(difference.isEmpty(), qPrintable(difference));

    // /version is the app's version, as `millrace --version` prints it.
    const HttpReply version = connection.get("/version");
    QCOMPARE(version.status, 200);
    QVERIFY(!version.body.isEmpty());
    QProcess versionCommand;
    versionCommand.start(m_binary, {u"--version"_s});
    QVERIFY(versionCommand.waitForFinished(30000));
    const QByteArray printed = versionCommand.readAllStandardOutput();
    QVERIFY2(printed.startsWith(QByteArray("millrace " + version.body + ' ')), printed.constData());

    // A promotion by this process, which holds the workspace, moves the server along.
    VERIFY_OK(m_workspace.promote(kModel, 2));
    QTRY_VERIFY2_WITH_TIMEOUT(serve.printed("now answering with version 2"),
                              qPrintable(serve.output()), 60000);
    difference = scoringDifference(connection.post("/invocations", m_body, "application/json"), 2);
    QVERIFY2(difference.isEmpty(), qPrintable(difference));

    QVERIFY2(serve.terminate() == 0, qPrintable(serve.output()));
    // And nothing listens any more.
    HttpConnection after(u"127.0.0.1"_s, port, 2000);
    QCOMPARE(after.get("/ping").status, 0);
}

void TestServeCommand::sigtermAnswersTheRequestInFlight()
{
    // One worker and a batch large enough to keep it busy for a while.
    ServeProcess serve(m_binary, environment());
    serve.start({u"--workspace"_s, m_workspace.root(), u"serve"_s, u"--model"_s, kModel,
                 u"--version"_s, u"1"_s, u"--port"_s, u"0"_s, u"--workers"_s, u"1"_s});
    QTRY_VERIFY2_WITH_TIMEOUT(serve.printed("now answering with version 1") || serve.ended(),
                              qPrintable(serve.output()), 60000);
    QVERIFY2(serve.port() > 0, qPrintable(serve.output()));

    constexpr qint64 rows = 4000;
    const QByteArray body =
        R"({"inputs": [)" + QList<QByteArray>(rows, imageJson(m_images, 0, false)).join(',') + "]}";
    const std::vector<float> &expected = m_expected[1];
    LoadGenerator big(
        u"127.0.0.1"_s, serve.port(), 1,
        [&body](int, qint64) {
            return HttpRequest{
                "POST", "/invocations", {{"Content-Type", "application/json"}}, body, 0};
        },
        [&expected](const HttpRequest &, const HttpReply &reply) {
            if (reply.status != 200)
                return u"status %1: %2"_s.arg(reply.status)
                    .arg(QString::fromUtf8(reply.body.left(200)));
            QString why;
            const auto answered = outputRows(reply.body, u"logits"_s, &why);
            if (answered.size() != std::size_t(rows))
                return u"%1 rows answered %2"_s.arg(answered.size()).arg(why);
            return outputDifference({answered.back()}, expected, 10);
        });
    big.start(1);
    // The batch is being scored: then SIGTERM.
    HttpConnection metrics(u"127.0.0.1"_s, serve.port());
    QTRY_VERIFY_WITH_TIMEOUT(
        metricSamples(metrics.get("/metrics").body)["millrace_serving_inflight_requests"] == 1
            || big.answered() + big.failed() > 0,
        30000);
    const bool inFlight = big.answered() + big.failed() == 0;
    QVERIFY2(serve.terminate() == 0, qPrintable(serve.output()));
    big.wait();
    QVERIFY2(big.failed() == 0, qPrintable(big.failures().join(u'\n')));
    QCOMPARE(big.answered(), 1);
    if (!inFlight)
        qWarning("the batch was answered before SIGTERM: this run did not test the drain");
}

void TestServeCommand::aPortInUseFails()
{
    QTcpServer taken;
    QVERIFY(taken.listen(QHostAddress::LocalHost));
    ServeProcess serve(m_binary, environment());
    serve.start({u"--workspace"_s, m_workspace.root(), u"serve"_s, u"--model"_s, kModel,
                 u"--port"_s, QString::number(taken.serverPort())});
    QTRY_VERIFY_WITH_TIMEOUT(serve.ended(), 60000);
    QCOMPARE(serve.exitCode(), 1);
    const QString output = serve.output();
    QVERIFY2(output.contains(u"cannot listen on 127.0.0.1:%1"_s.arg(taken.serverPort())),
             qPrintable(output));
    QVERIFY2(!output.contains(u"now answering"_s), qPrintable(output));
}

void TestServeCommand::withoutModelIsAUsageError()
{
    QProcess serve;
    serve.setProcessEnvironment(environment());
    serve.start(m_binary, {u"--workspace"_s, m_workspace.root(), u"serve"_s, u"--port"_s, u"0"_s});
    QVERIFY2(serve.waitForFinished(60000), "millrace serve without --model did not exit");
    const QString err = QString::fromUtf8(serve.readAllStandardError());
    QCOMPARE(serve.exitStatus(), QProcess::NormalExit);
    QVERIFY2(serve.exitCode() == 2, qPrintable(err));
    QVERIFY2(err.contains(u"--model NAME is required"_s), qPrintable(err));
    QVERIFY2(err.contains(u"usage: millrace"_s) && err.contains(u"serve --model NAME"_s),
             qPrintable(err));
    QVERIFY(serve.readAllStandardOutput().isEmpty());
}

QTEST_GUILESS_MAIN(TestServeCommand)
#include "tst_servecommand.moc"
