// A process killed with SIGKILL in the middle of write batches leaves a database that opens,
// passes PRAGMA integrity_check, and holds every batch it reported committed, each one whole.

#include "core/store/store.h"
#include "crashschema.h"

#include <QProcess>
#include <QRandomGenerator>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <SQLiteCpp/Statement.h>

class TestStoreCrash : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void killedWriterLosesNothingCommitted();
};

void TestStoreCrash::killedWriterLosesNothingCommitted()
{
    const QString writer = qEnvironmentVariable("MILLRACE_CRASH_WRITER");
    QVERIFY2(QFileInfo(writer).isExecutable(), "MILLRACE_CRASH_WRITER must name the writer");
    QTemporaryDir dir;
    const QString database = dir.filePath(QStringLiteral("crash.db"));
    QSet<qint64> reported;
    qint64 nextBatch = 0;
    QRandomGenerator random(20261122);

    for (int round = 0; round < 5; ++round) {
        QProcess process;
        process.start(writer, {database, QString::number(nextBatch)});
        QVERIFY2(process.waitForStarted(), qPrintable(process.errorString()));
        // Kill at a different point each round, always with writes in flight.
        const qint64 killAfter = 200 + random.bounded(800);
        qint64 seenThisRound = 0;
        QByteArray pending;
        while (seenThisRound < killAfter) {
            QVERIFY2(process.state() == QProcess::Running || process.bytesAvailable() > 0,
                     qPrintable(process.readAllStandardError()));
            process.waitForReadyRead(100);
            pending += process.readAllStandardOutput();
            qsizetype newline;
            while ((newline = pending.indexOf('\n')) >= 0) {
                const QByteArray line = pending.left(newline);
                pending.remove(0, newline + 1);
                QVERIFY2(line.startsWith("COMMITTED "), line.constData());
                reported.insert(line.mid(10).toLongLong());
                ++seenThisRound;
            }
        }
        process.kill();
        QVERIFY(process.waitForFinished(10000));
        QCOMPARE(process.exitStatus(), QProcess::CrashExit);
        // Lines written before the kill but not yet read count as reported too.
        pending += process.readAllStandardOutput();
        for (const QByteArray &line : pending.split('\n')) {
            if (line.startsWith("COMMITTED "))
                reported.insert(line.mid(10).toLongLong());
        }

        // The database must open (recovering the WAL), be intact and hold every reported batch.
        auto store =
            millrace::Store::open(database, crashtest::kMigrations, crashtest::kApplicationId);
        QVERIFY2(store, qPrintable(store.errorMessage()));
        auto check = (*store)->read([](SQLite::Database &db) {
            return QString::fromStdString(db.execAndGet("PRAGMA integrity_check").getString());
        });
        QVERIFY2(check, qPrintable(check.errorMessage()));
        QCOMPARE(*check, QStringLiteral("ok"));

        auto batches = (*store)->read([](SQLite::Database &db) {
            QHash<qint64, int> rowsPerBatch;
            SQLite::Statement query(db, "SELECT batch, count(*) FROM batch_rows GROUP BY batch");
            while (query.executeStep())
                rowsPerBatch.insert(query.getColumn(0).getInt64(), query.getColumn(1).getInt());
            return rowsPerBatch;
        });
        QVERIFY2(batches, qPrintable(batches.errorMessage()));
        for (qint64 batch : std::as_const(reported))
            QVERIFY2(batches->contains(batch),
                     qPrintable(QStringLiteral("batch %1 lost").arg(batch)));
        // No half-written batch: every batch present is whole.
        for (auto it = batches->cbegin(); it != batches->cend(); ++it)
            QCOMPARE(it.value(), crashtest::kRowsPerBatch);
        qint64 highest = -1;
        for (auto it = batches->cbegin(); it != batches->cend(); ++it)
            highest = qMax(highest, it.key());
        nextBatch = highest + 1;
    }
    QVERIFY(reported.size() >= 1000);
}

QTEST_GUILESS_MAIN(TestStoreCrash)
#include "tst_storecrash.moc"
