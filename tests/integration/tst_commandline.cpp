// The executable's command line: help, version, commands and exit codes (0 ok, 1 failure with a
// one-line reason, 2 usage error).

#include "core/store/schema.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

class TestCommandLine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void exitCodes_data();
    void exitCodes();
    void commandHelp_data();
    void commandHelp();
    void commandUsageErrorStaysOnStderr();
    void workspaceCommandReportsSchemaAndHolder();
    void trainCommandTrainsAndRecordsTheRun();
    void trainCommandRefusesBadRequests();
    void modelsCommandRegistersPromotesAndExports();

private:
    struct Outcome
    {
        int exitCode;
        QString out;
        QString err;
    };
    Outcome run(const QStringList &arguments);

    QString m_binary;
};

void TestCommandLine::initTestCase()
{
    m_binary = qEnvironmentVariable("MILLRACE_BIN");
    QVERIFY2(QFileInfo(m_binary).isExecutable(), "MILLRACE_BIN must name the built millrace");
}

TestCommandLine::Outcome TestCommandLine::run(const QStringList &arguments)
{
    QProcess process;
    // No display: everything but the GUI must work without one.
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("DISPLAY"));
    environment.remove(QStringLiteral("WAYLAND_DISPLAY"));
    environment.remove(QStringLiteral("QT_QPA_PLATFORM"));
    process.setProcessEnvironment(environment);
    process.start(m_binary, arguments);
    if (!process.waitForFinished(60000))
        return {-1, {}, QStringLiteral("timed out")};
    return {process.exitCode(), QString::fromLocal8Bit(process.readAllStandardOutput()),
            QString::fromLocal8Bit(process.readAllStandardError())};
}

void TestCommandLine::exitCodes_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("stdoutContains");
    QTest::addColumn<QString>("stderrContains");

    QTest::newRow("version") << QStringList{QStringLiteral("--version")} << 0
                             << QStringLiteral("millrace 0.") << QString();
    QTest::newRow("help") << QStringList{QStringLiteral("--help")} << 0
                          << QStringLiteral("--headless") << QString();
    QTest::newRow("help lists commands")
        << QStringList{QStringLiteral("help")} << 0 << QStringLiteral("serve") << QString();
    QTest::newRow("help points to command help") << QStringList{QStringLiteral("--help")} << 0
                                                 << QStringLiteral("COMMAND --help") << QString();
    QTest::newRow("unknown option") << QStringList{QStringLiteral("--no-such-option")} << 2
                                    << QString() << QStringLiteral("no-such-option");
    QTest::newRow("bad tracking port")
        << QStringList{QStringLiteral("--headless"), QStringLiteral("--tracking-port"),
                       QStringLiteral("http")}
        << 2 << QString() << QStringLiteral("--tracking-port");
    QTest::newRow("unknown command") << QStringList{QStringLiteral("frobnicate")} << 2 << QString()
                                     << QStringLiteral("unknown command");
    QTest::newRow("help for an unknown command")
        << QStringList{QStringLiteral("help"), QStringLiteral("frobnicate")} << 2 << QString()
        << QStringLiteral("unknown command \"frobnicate\"");
    QTest::newRow("headless with command")
        << QStringList{QStringLiteral("--headless"), QStringLiteral("runs")} << 2 << QString()
        << QStringLiteral("--headless takes no command");
    QTest::newRow("serve without a model") << QStringList{QStringLiteral("serve")} << 2 << QString()
                                           << QStringLiteral("--model NAME is required");
    QTest::newRow("train without config")
        << QStringList{QStringLiteral("train")} << 2 << QString() << QStringLiteral("--config");
    QTest::newRow("workspace command usage")
        << QStringList{QStringLiteral("workspace"), QStringLiteral("bogus")} << 2 << QString()
        << QStringLiteral("usage");
}

void TestCommandLine::exitCodes()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, stdoutContains);
    QFETCH(QString, stderrContains);

    const Outcome outcome = run(arguments);
    QCOMPARE(outcome.exitCode, exitCode);
    QVERIFY2(outcome.out.contains(stdoutContains), qPrintable(outcome.out));
    QVERIFY2(outcome.err.contains(stderrContains), qPrintable(outcome.err));
    if (exitCode != 0)
        QCOMPARE(outcome.err.trimmed().split(QLatin1Char('\n')).first().isEmpty(), false);
}

void TestCommandLine::commandHelp_data()
{
    QTest::addColumn<QStringList>("arguments");

    for (const char *command : {"workspace", "runs", "models", "topics", "produce", "drain", "dags",
                                "tasks", "pools", "train", "serve"})
        QTest::newRow(command) << QStringList{QLatin1String(command), QStringLiteral("--help")};
    QTest::newRow("train -h") << QStringList{QStringLiteral("train"), QStringLiteral("-h")};
    QTest::newRow("models promote --help") << QStringList{
        QStringLiteral("models"), QStringLiteral("promote"), QStringLiteral("--help")};
    QTest::newRow("dags trigger -h")
        << QStringList{QStringLiteral("dags"), QStringLiteral("trigger"), QStringLiteral("-h")};
    QTest::newRow("help train") << QStringList{QStringLiteral("help"), QStringLiteral("train")};
    QTest::newRow("serve --model NAME --help")
        << QStringList{QStringLiteral("serve"), QStringLiteral("--model"),
                       QStringLiteral("fashion"), QStringLiteral("--help")};
}

// `millrace COMMAND --help` (or -h, also after a sub-action) prints the command's usage on
// stdout and succeeds, without touching the workspace.
void TestCommandLine::commandHelp()
{
    QFETCH(QStringList, arguments);
    QTemporaryDir dir;
    const QString workspace = dir.filePath(QStringLiteral("ws"));

    const Outcome outcome = run(QStringList{QStringLiteral("--workspace"), workspace} + arguments);
    QCOMPARE(outcome.exitCode, 0);
    QVERIFY2(outcome.out.startsWith(QStringLiteral("usage: millrace")), qPrintable(outcome.out));
    const QString command =
        arguments.first() == QLatin1String("help") ? arguments.at(1) : arguments.first();
    QVERIFY2(outcome.out.contains(QLatin1Char(' ') + command + QLatin1Char(' ')),
             qPrintable(outcome.out));
    QVERIFY2(outcome.err.isEmpty(), qPrintable(outcome.err));
    QVERIFY(!QFileInfo::exists(workspace));
}

void TestCommandLine::commandUsageErrorStaysOnStderr()
{
    QTemporaryDir dir;
    const Outcome outcome = run({QStringLiteral("--workspace"), dir.path(), QStringLiteral("train"),
                                 QStringLiteral("--bogus")});
    QCOMPARE(outcome.exitCode, 2);
    QVERIFY2(outcome.out.isEmpty(), qPrintable(outcome.out));
    QVERIFY2(outcome.err.startsWith(QStringLiteral("millrace train: ")), qPrintable(outcome.err));
    QVERIFY2(outcome.err.contains(QStringLiteral("usage: millrace [--workspace DIR] train")),
             qPrintable(outcome.err));
}

void TestCommandLine::workspaceCommandReportsSchemaAndHolder()
{
    QTemporaryDir dir;
    Outcome outcome = run({QStringLiteral("--workspace"), dir.path(), QStringLiteral("workspace")});
    QCOMPARE(outcome.exitCode, 1);
    QVERIFY2(outcome.err.contains(QStringLiteral("no workspace")), qPrintable(outcome.err));

    QProcess headless;
    headless.setProcessChannelMode(QProcess::MergedChannels);
    headless.start(m_binary, {QStringLiteral("--headless"), QStringLiteral("--tracking-port"),
                              QStringLiteral("0"), QStringLiteral("--workspace"), dir.path()});
    QByteArray output;
    QTRY_VERIFY_WITH_TIMEOUT((output += headless.readAll()).contains("running headless"), 60000);

    outcome = run({QStringLiteral("--workspace"), dir.path(), QStringLiteral("workspace"),
                   QStringLiteral("info")});
    QCOMPARE(outcome.exitCode, 0);
    QVERIFY2(outcome.out.contains(
                 QStringLiteral("schema version: %1").arg(millrace::millraceMigrations().size())),
             qPrintable(outcome.out));
    QVERIFY2(outcome.out.contains(QStringLiteral("pid %1").arg(headless.processId())),
             qPrintable(outcome.out));

    // Settings need the workspace: refused, naming the holder, while it is in use.
    outcome = run({QStringLiteral("--workspace"), dir.path(), QStringLiteral("workspace"),
                   QStringLiteral("set"), QStringLiteral("tracking.port"), QStringLiteral("5099")});
    QCOMPARE(outcome.exitCode, 1);
    QVERIFY2(outcome.err.contains(QStringLiteral("in use")), qPrintable(outcome.err));

    headless.terminate();
    QVERIFY(headless.waitForFinished(10000));

    outcome = run({QStringLiteral("--workspace"), dir.path(), QStringLiteral("workspace"),
                   QStringLiteral("set"), QStringLiteral("tracking.port"), QStringLiteral("5099")});
    QCOMPARE(outcome.exitCode, 0);
    outcome = run({QStringLiteral("--workspace"), dir.path(), QStringLiteral("workspace"),
                   QStringLiteral("get"), QStringLiteral("tracking.port")});
    QCOMPARE(outcome.exitCode, 0);
    QCOMPARE(outcome.out.trimmed(), QStringLiteral("5099"));
    QVERIFY2(outcome.err.isEmpty(), qPrintable(outcome.err));
    outcome = run({QStringLiteral("--workspace"), dir.path(), QStringLiteral("workspace"),
                   QStringLiteral("set"), QStringLiteral("tracking.port"), QStringLiteral("http")});
    QCOMPARE(outcome.exitCode, 2);
    outcome = run({QStringLiteral("--workspace"), dir.path(), QStringLiteral("workspace")});
    QCOMPARE(outcome.exitCode, 0);
    QVERIFY2(outcome.out.contains(QStringLiteral("in use by:      nobody")),
             qPrintable(outcome.out));
}

void TestCommandLine::trainCommandTrainsAndRecordsTheRun()
{
    QTemporaryDir dir;
    const QString config = dir.filePath(QStringLiteral("train.json"));
    QFile file(config);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"experiment": "cli", "run_name": "quick",
                  "data": {"kind": "fashion-mnist", "train_limit": 2000},
                  "architecture": "image-cnn", "hyperparameters": {"base_width": 8},
                  "training": {"epochs": 2, "validation_fraction": 0.1}})");
    file.close();
    const QString workspace = dir.filePath(QStringLiteral("ws"));
    Outcome outcome = run({QStringLiteral("--workspace"), workspace, QStringLiteral("train"),
                           QStringLiteral("--config"), config});
    QVERIFY2(outcome.exitCode == 0, qPrintable(outcome.err));
    QVERIFY2(outcome.out.contains(QStringLiteral("epoch 2: train loss")), qPrintable(outcome.out));
    QVERIFY2(outcome.out.contains(QStringLiteral("finished: run ")), qPrintable(outcome.out));

    outcome = run({QStringLiteral("--workspace"), workspace, QStringLiteral("runs"),
                   QStringLiteral("list"), QStringLiteral("--json")});
    QCOMPARE(outcome.exitCode, 0);
    const QJsonArray runs = QJsonDocument::fromJson(outcome.out.toUtf8()).array();
    QCOMPARE(runs.size(), 1);
    const QJsonObject info = runs.first().toObject().value(QStringLiteral("info")).toObject();
    QCOMPARE(info.value(QStringLiteral("status")).toString(), QStringLiteral("FINISHED"));
    QCOMPARE(info.value(QStringLiteral("run_name")).toString(), QStringLiteral("quick"));
}

void TestCommandLine::trainCommandRefusesBadRequests()
{
    QTemporaryDir dir;
    auto attempt = [&](const QByteArray &json) {
        const QString config = dir.filePath(QStringLiteral("bad.json"));
        QFile file(config);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            qFatal("cannot write the config");
        file.write(json);
        file.close();
        return run({QStringLiteral("--workspace"), dir.filePath(QStringLiteral("ws")),
                    QStringLiteral("train"), QStringLiteral("--config"), config});
    };
    Outcome outcome = attempt("{\"training\": {\"epochs\": 2,}}");
    QCOMPARE(outcome.exitCode, 1);
    QVERIFY2(outcome.err.contains(QStringLiteral("not valid JSON")), qPrintable(outcome.err));
    outcome = attempt(R"({"training": {"epochs": 2, "learning_rte": 0.1}})");
    QCOMPARE(outcome.exitCode, 1);
    QVERIFY2(outcome.err.contains(QStringLiteral("unknown field 'training.learning_rte'")),
             qPrintable(outcome.err));
    outcome = attempt(R"({"architecture": "transformer"})");
    QCOMPARE(outcome.exitCode, 1);
    QVERIFY2(outcome.err.contains(QStringLiteral("unknown architecture 'transformer'")),
             qPrintable(outcome.err));
    outcome = run({QStringLiteral("--workspace"), dir.filePath(QStringLiteral("ws")),
                   QStringLiteral("train"), QStringLiteral("--config"),
                   dir.filePath(QStringLiteral("missing.json"))});
    QCOMPARE(outcome.exitCode, 1);
    QVERIFY2(outcome.err.contains(QStringLiteral("missing.json")), qPrintable(outcome.err));
}

void TestCommandLine::modelsCommandRegistersPromotesAndExports()
{
    QTemporaryDir dir;
    const QString config = dir.filePath(QStringLiteral("train.json"));
    QFile file(config);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"experiment": "cli", "run_name": "tiny",
                  "data": {"kind": "fashion-mnist", "train_limit": 1000},
                  "architecture": "image-cnn",
                  "hyperparameters": {"base_width": 4, "conv_layers": 1, "hidden_units": 16},
                  "training": {"epochs": 1}})");
    file.close();
    const QString workspace = dir.filePath(QStringLiteral("ws"));
    const auto models = [&](QStringList arguments) {
        return run(QStringList{QStringLiteral("--workspace"), workspace, QStringLiteral("models")}
                   + arguments);
    };
    const auto json = [](const Outcome &outcome) {
        return QJsonDocument::fromJson(outcome.out.toUtf8()).object();
    };
    Outcome outcome = run({QStringLiteral("--workspace"), workspace, QStringLiteral("train"),
                           QStringLiteral("--config"), config});
    QVERIFY2(outcome.exitCode == 0, qPrintable(outcome.err));
    outcome = run({QStringLiteral("--workspace"), workspace, QStringLiteral("runs"),
                   QStringLiteral("list"), QStringLiteral("--json")});
    const QString runId = QJsonDocument::fromJson(outcome.out.toUtf8())
                              .array()
                              .first()
                              .toObject()
                              .value(QStringLiteral("info"))
                              .toObject()
                              .value(QStringLiteral("run_id"))
                              .toString();
    QVERIFY(!runId.isEmpty());

    // Register twice: versions 1 and 2 of a model created on the way.
    for (const char *expected : {"version 1", "version 2"}) {
        outcome = models({QStringLiteral("register"), QStringLiteral("fashion"), runId});
        QVERIFY2(outcome.exitCode == 0, qPrintable(outcome.err));
        QVERIFY2(outcome.out.contains(QLatin1String(expected)), qPrintable(outcome.out));
    }
    outcome = models({QStringLiteral("promote"), QStringLiteral("fashion"), QStringLiteral("1"),
                      QStringLiteral("Production")});
    QVERIFY2(outcome.exitCode == 0, qPrintable(outcome.err));
    outcome = models({QStringLiteral("promote"), QStringLiteral("fashion"), QStringLiteral("2"),
                      QStringLiteral("production"), QStringLiteral("--archive-existing"),
                      QStringLiteral("--reason"), QStringLiteral("better on the holdout"),
                      QStringLiteral("--json")});
    QVERIFY2(outcome.exitCode == 0, qPrintable(outcome.err));
    QCOMPARE(json(outcome)
                 .value(QStringLiteral("model_version"))
                 .toObject()
                 .value(QStringLiteral("current_stage"))
                 .toString(),
             QStringLiteral("Production"));
    outcome = models({QStringLiteral("alias"), QStringLiteral("fashion"),
                      QStringLiteral("champion"), QStringLiteral("2")});
    QVERIFY2(outcome.exitCode == 0, qPrintable(outcome.err));

    outcome = models({QStringLiteral("list"), QStringLiteral("--json")});
    QCOMPARE(outcome.exitCode, 0);
    const QJsonArray listed = json(outcome).value(QStringLiteral("registered_models")).toArray();
    QCOMPARE(listed.size(), 1);
    QCOMPARE(listed.first().toObject().value(QStringLiteral("name")).toString(),
             QStringLiteral("fashion"));
    outcome = models({QStringLiteral("show"), QStringLiteral("fashion"), QStringLiteral("1"),
                      QStringLiteral("--json")});
    QCOMPARE(outcome.exitCode, 0);
    QCOMPARE(json(outcome)
                 .value(QStringLiteral("model_version"))
                 .toObject()
                 .value(QStringLiteral("current_stage"))
                 .toString(),
             QStringLiteral("Archived"));
    outcome = models({QStringLiteral("show"), QStringLiteral("fashion")});
    QCOMPARE(outcome.exitCode, 0);
    QVERIFY2(outcome.out.contains(QStringLiteral("v1 Production -> Archived")),
             qPrintable(outcome.out));
    QVERIFY2(outcome.out.contains(QStringLiteral("better on the holdout")),
             qPrintable(outcome.out));
    QVERIFY2(outcome.out.contains(QStringLiteral("alias champion -> v2")), qPrintable(outcome.out));

    // Bad input: a clear message, and nothing changes.
    outcome = models({QStringLiteral("register"), QStringLiteral("other"), runId,
                      QStringLiteral("--path"), QStringLiteral("no-such-folder")});
    QCOMPARE(outcome.exitCode, 1);
    QVERIFY2(outcome.err.contains(QStringLiteral("no-such-folder")), qPrintable(outcome.err));
    outcome = models({QStringLiteral("show"), QStringLiteral("other")});
    QCOMPARE(outcome.exitCode, 1); // the model made for it went again
    outcome = models({QStringLiteral("promote"), QStringLiteral("fashion"), QStringLiteral("9"),
                      QStringLiteral("Staging")});
    QCOMPARE(outcome.exitCode, 1);
    QVERIFY2(outcome.err.contains(QStringLiteral("version=9) not found")), qPrintable(outcome.err));
    outcome = models({QStringLiteral("promote"), QStringLiteral("fashion"), QStringLiteral("1"),
                      QStringLiteral("Deployed")});
    QCOMPARE(outcome.exitCode, 2);
    outcome = models({QStringLiteral("promote"), QStringLiteral("fashion"), QStringLiteral("1"),
                      QStringLiteral("None"), QStringLiteral("--archive-existing")});
    QCOMPARE(outcome.exitCode, 1);
    QVERIFY2(outcome.err.contains(QStringLiteral("not an Active stage")), qPrintable(outcome.err));
    outcome = models({QStringLiteral("alias"), QStringLiteral("fashion"), QStringLiteral("latest"),
                      QStringLiteral("1")});
    QCOMPARE(outcome.exitCode, 1);
    QVERIFY2(outcome.err.contains(QStringLiteral("reserved")), qPrintable(outcome.err));
    outcome = models({QStringLiteral("show"), QStringLiteral("nope")});
    QCOMPARE(outcome.exitCode, 1);
    QVERIFY2(outcome.err.contains(QStringLiteral("name=nope not found")), qPrintable(outcome.err));
    outcome = models({QStringLiteral("show"), QStringLiteral("fashion"), QStringLiteral("1"),
                      QStringLiteral("--json")});
    QCOMPARE(json(outcome)
                 .value(QStringLiteral("model_version"))
                 .toObject()
                 .value(QStringLiteral("current_stage"))
                 .toString(),
             QStringLiteral("Archived"));

    // Export: the graph, its MLmodel, the checker's verdict.
    const QString out = dir.filePath(QStringLiteral("onnx"));
    outcome = models({QStringLiteral("export-onnx"), QStringLiteral("fashion"), QStringLiteral("2"),
                      out, QStringLiteral("--json")});
    QVERIFY2(outcome.exitCode == 0, qPrintable(outcome.err));
    QCOMPARE(json(outcome).value(QStringLiteral("checker")).toString(), QStringLiteral("valid"));
    QVERIFY(json(outcome).value(QStringLiteral("opset")).toInt() >= 13);
    QVERIFY(QFileInfo(out + QStringLiteral("/model.onnx")).size() > 1000);
    QVERIFY(QFileInfo::exists(out + QStringLiteral("/MLmodel")));
    // An unknown version and corrupt weights write nothing.
    const QString none = dir.filePath(QStringLiteral("none"));
    outcome = models(
        {QStringLiteral("export-onnx"), QStringLiteral("fashion"), QStringLiteral("9"), none});
    QCOMPARE(outcome.exitCode, 1);
    QVERIFY(!QFileInfo::exists(none + QStringLiteral("/model.onnx")));
    QFile weights(workspace + QStringLiteral("/models/fashion/1/weights.pt"));
    QVERIFY(weights.open(QIODevice::ReadWrite));
    QVERIFY(weights.resize(weights.size() / 2));
    weights.close();
    outcome = models(
        {QStringLiteral("export-onnx"), QStringLiteral("fashion"), QStringLiteral("1"), none});
    QCOMPARE(outcome.exitCode, 1);
    QVERIFY2(outcome.err.contains(QStringLiteral("weights")), qPrintable(outcome.err));
    QVERIFY(!QFileInfo::exists(none + QStringLiteral("/model.onnx")));
}

QTEST_GUILESS_MAIN(TestCommandLine)
#include "tst_commandline.moc"
