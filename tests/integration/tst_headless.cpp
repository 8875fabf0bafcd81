// The executable in --headless mode: creates the workspace, runs until a signal, shuts down
// cleanly, and refuses a second instance on the same workspace.

#include <QDir>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

class TestHeadless : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void createsWorkspaceAndStopsOnSignal_data();
    void createsWorkspaceAndStopsOnSignal();
    void secondInstanceIsRefused();
    void killedInstanceLeavesAUsableWorkspace();
    void guiClosesCleanlyOnSignal();

private:
    // Starts `millrace --headless` on `workspace` and waits until it says it is running.
    void startHeadless(QProcess &process, const QString &workspace);

    QString m_binary;
};

void TestHeadless::initTestCase()
{
    m_binary = qEnvironmentVariable("MILLRACE_BIN");
    QVERIFY2(QFileInfo(m_binary).isExecutable(), "MILLRACE_BIN must name the built millrace");
}

void TestHeadless::startHeadless(QProcess &process, const QString &workspace)
{
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(m_binary, {QStringLiteral("--headless"), QStringLiteral("--tracking-port"),
                             QStringLiteral("0"), QStringLiteral("--workspace"), workspace});
    QVERIFY2(process.waitForStarted(), qPrintable(process.errorString()));
    QByteArray output;
    QTRY_VERIFY_WITH_TIMEOUT((output += process.readAll()).contains("running headless"), 60000);
}

void TestHeadless::createsWorkspaceAndStopsOnSignal_data()
{
    QTest::addColumn<int>("signalNumber");
    QTest::newRow("SIGTERM") << int(SIGTERM);
    QTest::newRow("SIGINT") << int(SIGINT);
}

void TestHeadless::createsWorkspaceAndStopsOnSignal()
{
    QFETCH(int, signalNumber);
    QTemporaryDir dir;
    const QString workspace = dir.filePath(QStringLiteral("ws"));
    QProcess process;
    startHeadless(process, workspace);

    for (const char *entry :
         {"millrace.db", "artifacts", "models", "data/incoming", "data/used", "logs", "dags"})
        QVERIFY2(QFileInfo::exists(QDir(workspace).filePath(QLatin1String(entry))), entry);

    ::kill(pid_t(process.processId()), signalNumber);
    // The acceptance deadline for a clean shutdown is 2 s.
    QVERIFY2(process.waitForFinished(2000), "millrace did not exit within 2 s of the signal");
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
    QVERIFY(!QFileInfo::exists(QDir(workspace).filePath(QStringLiteral("millrace.lock"))));
}

void TestHeadless::secondInstanceIsRefused()
{
    QTemporaryDir dir;
    QProcess first;
    startHeadless(first, dir.path());

    QProcess second;
    second.start(m_binary, {QStringLiteral("--headless"), QStringLiteral("--tracking-port"),
                            QStringLiteral("0"), QStringLiteral("--workspace"), dir.path()});
    QVERIFY(second.waitForFinished(60000));
    QCOMPARE(second.exitCode(), 1);
    const QString message = QString::fromLocal8Bit(second.readAllStandardError());
    QVERIFY2(message.contains(QStringLiteral("millrace.lock")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("pid %1").arg(first.processId())),
             qPrintable(message));
    QCOMPARE(message.trimmed().count(QLatin1Char('\n')), 0); // one line

    first.terminate();
    QVERIFY(first.waitForFinished(10000));
    QCOMPARE(first.exitCode(), 0);
}

void TestHeadless::killedInstanceLeavesAUsableWorkspace()
{
    QTemporaryDir dir;
    QProcess first;
    startHeadless(first, dir.path());
    first.kill(); // SIGKILL: no clean-up at all, the lock file stays behind
    QVERIFY(first.waitForFinished(10000));
    QVERIFY(QFileInfo::exists(dir.filePath(QStringLiteral("millrace.lock"))));

    QProcess second;
    startHeadless(second, dir.path());
    second.terminate();
    QVERIFY(second.waitForFinished(10000));
    QCOMPARE(second.exitCode(), 0);
}

void TestHeadless::guiClosesCleanlyOnSignal()
{
    QTemporaryDir dir;
    QTemporaryDir home;
    QProcess gui;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    environment.insert(QStringLiteral("XDG_CONFIG_HOME"), home.path());
    gui.setProcessEnvironment(environment);
    gui.setProcessChannelMode(QProcess::MergedChannels);
    gui.start(m_binary, {QStringLiteral("--tracking-port"), QStringLiteral("0"),
                         QStringLiteral("--workspace"), dir.path()});
    QVERIFY2(gui.waitForStarted(), qPrintable(gui.errorString()));
    QByteArray output;
    QTRY_VERIFY_WITH_TIMEOUT((output += gui.readAll()).contains("window attached"), 60000);

    ::kill(pid_t(gui.processId()), SIGTERM);
    QVERIFY2(gui.waitForFinished(10000), "the GUI did not exit after SIGTERM");
    QCOMPARE(gui.exitStatus(), QProcess::NormalExit);
    QCOMPARE(gui.exitCode(), 0);
    QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("millrace.lock"))));
    // Closing saved the window layout, as closing the window by hand does.
    QVERIFY(QFileInfo::exists(home.filePath(QStringLiteral("Millrace/millrace.conf"))));
}

QTEST_GUILESS_MAIN(TestHeadless)
#include "tst_headless.moc"
