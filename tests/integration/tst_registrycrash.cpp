// A process killed with SIGKILL while it registers model versions never leaves a READY version
// without its files, nor a folder under models/ that is shown as a version or kept as an orphan:
// the next session's start-up recovery finishes or fails what was interrupted.

#include "core/registry/registrystore.h"
#include "core/tracking/trackingstore.h"
#include "core/workspace/session.h"
#include "core/workspace/workspace.h"
#include "testsupport/verify.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace millrace;
using namespace Qt::StringLiterals;

namespace {

// Relative path → SHA-256 of every file under `root`.
QMap<QString, QByteArray> checksums(const QString &root)
{
    QMap<QString, QByteArray> sums;
    QDirIterator it(root, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            continue;
        QCryptographicHash hash(QCryptographicHash::Sha256);
        hash.addData(&file);
        sums.insert(QDir(root).relativeFilePath(path), hash.result());
    }
    return sums;
}

} // namespace

class TestRegistryCrash : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void killedRegistrationLeavesNoHalfVersion();
};

void TestRegistryCrash::killedRegistrationLeavesNoHalfVersion()
{
    const QString writer = qEnvironmentVariable("MILLRACE_REGISTRY_CRASH_WRITER");
    QVERIFY2(QFileInfo(writer).isExecutable(), "MILLRACE_REGISTRY_CRASH_WRITER must name it");
    QTemporaryDir dir;
    const QString root = dir.filePath(u"workspace"_s);

    // A run whose model is big enough (24 files, 12 MB) that kills land in the middle of copies.
    QString runId;
    QMap<QString, QByteArray> sourceSums;
    {
        auto session = Session::open(root, SessionOptions{});
        VERIFY_OK(session);
        auto run = (*session)->tracking().createRun(u"0"_s, u"t"_s, u"model"_s, std::nullopt, {});
        VERIFY_OK(run);
        runId = run->info.runId;
        auto artifacts = (*session)->tracking().runArtifactDirectory(runId);
        VERIFY_OK(artifacts);
        const QString model = QDir(*artifacts).filePath(u"model"_s);
        QVERIFY(QDir().mkpath(model + u"/parts"_s));
        QRandomGenerator random(5);
        for (int i = 0; i < 24; ++i) {
            QFile file(model + (i % 2 ? u"/parts/"_s : u"/"_s) + u"file%1.bin"_s.arg(i));
            QVERIFY(file.open(QIODevice::WriteOnly));
            QByteArray bytes(512 * 1024, Qt::Uninitialized);
            random.fillRange(reinterpret_cast<quint32 *>(bytes.data()), bytes.size() / 4);
            QCOMPARE(file.write(bytes), bytes.size());
        }
        sourceSums = checksums(model);
        QCOMPARE(sourceSums.size(), 24);
        VERIFY_OK((*session)->registry().createRegisteredModel(u"crash"_s));
    }

    QSet<qint64> reported;
    QRandomGenerator random(20261122);
    int interruptedSeen = 0;
    for (int round = 0; round < 8; ++round) {
        QProcess process;
        process.start(writer, {root, runId});
        QVERIFY2(process.waitForStarted(), qPrintable(process.errorString()));
        // Wait for one to three registrations, then kill a random moment later: before, during
        // or after the next copy.
        const int waitFor = 1 + int(random.bounded(3));
        int seen = 0;
        QByteArray pending;
        while (seen < waitFor) {
            QVERIFY2(process.state() == QProcess::Running || process.bytesAvailable() > 0,
                     qPrintable(process.readAllStandardError()));
            process.waitForReadyRead(100);
            pending += process.readAllStandardOutput();
            seen = int(pending.count('\n'));
        }
        QThread::usleep(random.bounded(60000));
        process.kill();
        QVERIFY(process.waitForFinished(10000));
        QCOMPARE(process.exitStatus(), QProcess::CrashExit);
        pending += process.readAllStandardOutput();
        for (const QByteArray &line : pending.split('\n')) {
            if (line.startsWith("READY "))
                reported.insert(line.mid(6).toLongLong());
        }

        // What the next start sees, after its recovery.
        auto session = Session::open(root, SessionOptions{});
        VERIFY_OK(session);
        registry::RegistryStore &registry = (*session)->registry();
        auto versions = registry.searchModelVersions(u"name = 'crash'"_s, 100000, {}, QString());
        VERIFY_OK(versions);
        QSet<QString> shownFolders;
        for (const registry::ModelVersion &version : versions->items) {
            QVERIFY2(version.status != registry::VersionStatus::Pending,
                     "recovery left a version PENDING");
            if (version.status == registry::VersionStatus::Failed) {
                QVERIFY(version.directory.isEmpty());
                ++interruptedSeen;
                continue;
            }
            QCOMPARE(checksums(version.directory), sourceSums);
            shownFolders.insert(QFileInfo(version.directory).fileName());
        }
        for (qint64 version : std::as_const(reported)) {
            auto found = registry.modelVersion(u"crash"_s, version);
            VERIFY_OK(found);
            QVERIFY2(found->status == registry::VersionStatus::Ready,
                     qPrintable(u"version %1 was reported READY and is not"_s.arg(version)));
        }
        // No folder under models/ that is not a READY version: no orphan, no partial copy.
        const QStringList onDisk =
            QDir((*session)->workspace().modelsDir() + u"/crash"_s)
                .entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
        QCOMPARE(QSet<QString>(onDisk.begin(), onDisk.end()), shownFolders);
    }
    QVERIFY(reported.size() >= 8);
    qInfo() << reported.size() << "versions registered," << interruptedSeen
            << "interrupted registrations seen failed (counted once per round they were seen)";
}

QTEST_GUILESS_MAIN(TestRegistryCrash)
#include "tst_registrycrash.moc"
