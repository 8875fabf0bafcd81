// `millrace serve` as a user runs it, as a process (MILLRACE_BIN):
// - on a workspace this test's own Session holds (serve opens the registry read-only), it
//   prints the address it serves on (port 0: one the system picked), answers a scoring request
//   with the Production version's outputs (as core/ml computes them), follows a promotion made
//   by this process to the next version, and exits 0 on SIGTERM;
// - without --model it exits 2 and prints its usage.

#include "servingfixture.h"

#include "testsupport/httploadclient.h"
#include "testsupport/verify.h"

#include <QProcess>
#include <QRegularExpression>
#include <QTest>

#include <csignal>

using namespace millrace;
using namespace servingtest;
using namespace testsupport;
using namespace Qt::StringLiterals;

namespace {

const QString kModel = u"fashion"_s;

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

    // The environment `millrace serve` runs in: no display, no D-Bus session bus (so no
    // keychain and no token: nothing of the user's is read), its own config folders.
    QProcessEnvironment environment() const
    {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (const char *name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
            environment.remove(QLatin1String(name));
        environment.insert(u"DBUS_SESSION_BUS_ADDRESS"_s,
                           u"unix:path="_s + m_home.filePath(u"no-bus"_s));
        environment.insert(u"HOME"_s, m_home.path());
        environment.insert(u"XDG_CONFIG_HOME"_s, m_home.filePath(u"config"_s));
        environment.insert(u"XDG_DATA_HOME"_s, m_home.filePath(u"data"_s));
        environment.insert(u"XDG_CACHE_HOME"_s, m_home.filePath(u"cache"_s));
        return environment;
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
    QProcess serve;
    serve.setProcessEnvironment(environment());
    serve.start(m_binary, {u"--workspace"_s, m_workspace.root(), u"serve"_s, u"--model"_s, kModel,
                           u"--port"_s, u"0"_s, u"--workers"_s, u"2"_s});
    QVERIFY2(serve.waitForStarted(), qPrintable(serve.errorString()));
    QByteArray out;
    QByteArray err;
    const auto read = [&] {
        out += serve.readAllStandardOutput();
        err += serve.readAllStandardError();
    };
    const QRegularExpression servingLine(
        u"^serving (\\S+) on http://127\\.0\\.0\\.1:(\\d+)/invocations"_s,
        QRegularExpression::MultilineOption);
    QTRY_VERIFY2_WITH_TIMEOUT((read(), servingLine.match(QString::fromUtf8(out)).hasMatch()
                                           || serve.state() == QProcess::NotRunning),
                              qPrintable(QString::fromUtf8(out + err)), 60000);
    const QRegularExpressionMatch match = servingLine.match(QString::fromUtf8(out));
    QVERIFY2(match.hasMatch(), qPrintable(QString::fromUtf8(out + err)));
    QCOMPARE(match.captured(1), u"fashion/Production"_s);
    const quint16 port = quint16(match.captured(2).toUInt());
    QVERIFY(port > 0);

    QTRY_VERIFY2_WITH_TIMEOUT((read(), out.contains("now answering with version 1")),
                              qPrintable(QString::fromUtf8(out + err)), 60000);
    HttpConnection connection(u"127.0.0.1"_s, port);
    QString difference =
        scoringDifference(connection.post("/invocations", m_body, "application/json"), 1);
    QVERIFY2(difference.isEmpty(), qPrintable(difference));

    // A promotion by this process, which holds the workspace, moves the server along.
    VERIFY_OK(m_workspace.promote(kModel, 2));
    QTRY_VERIFY2_WITH_TIMEOUT((read(), out.contains("now answering with version 2")),
                              qPrintable(QString::fromUtf8(out + err)), 60000);
    difference = scoringDifference(connection.post("/invocations", m_body, "application/json"), 2);
    QVERIFY2(difference.isEmpty(), qPrintable(difference));

    QCOMPARE(::kill(pid_t(serve.processId()), SIGTERM), 0);
    QVERIFY2(serve.waitForFinished(30000), "millrace serve did not stop on SIGTERM");
    read();
    QCOMPARE(serve.exitStatus(), QProcess::NormalExit);
    QVERIFY2(serve.exitCode() == 0, qPrintable(QString::fromUtf8(out + err)));
    // And nothing listens any more.
    HttpConnection after(u"127.0.0.1"_s, port, 2000);
    QCOMPARE(after.get("/ping").status, 0);
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
