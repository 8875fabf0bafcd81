// Following a task log: a read from an offset to the end, the last bytes of a long file from a
// whole line, a UTF-8 character cut by the writer left for the next read, a file that shrank
// read anew; live following that reports appended text, a file that appears later, and the last
// lines read once live following ends.

#include "ui/panels/jobs/logtail.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace millrace::ui;
using namespace Qt::StringLiterals;

namespace {

bool append(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Append))
        return false;
    return file.write(bytes) == bytes.size();
}

} // namespace

class TestLogTail : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsFromAnOffset()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"1.log"_s);
        LogChunk missing = readLogChunk(path, 0, 100);
        QVERIFY(missing.missing);
        QVERIFY(append(path, "first\nsecond\n"));
        LogChunk all = readLogChunk(path, 0, 100);
        QCOMPARE(all.text, u"first\nsecond\n"_s);
        QCOMPARE(all.nextOffset, 13);
        QVERIFY(!all.truncated && !all.restarted && !all.missing);
        QVERIFY(append(path, "third"));
        LogChunk more = readLogChunk(path, all.nextOffset, 100);
        QCOMPARE(more.text, u"third"_s);
        QCOMPARE(more.nextOffset, 18);
    }

    void longFilesFromAWholeLine()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"1.log"_s);
        QVERIFY(append(path, "line one\nline two\nline three\n"));
        // The last 15 bytes start inside "line two": the text starts at "line three".
        LogChunk tail = readLogChunk(path, 0, 15);
        QVERIFY(tail.truncated);
        QCOMPARE(tail.text, u"line three\n"_s);
        QCOMPARE(tail.nextOffset, 29);
    }

    void cutCharactersWaitForTheirEnd()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"1.log"_s);
        const QByteArray euro = "\xe2\x82\xac"; // €
        QVERIFY(append(path, "price " + euro.left(2)));
        LogChunk first = readLogChunk(path, 0, 100);
        QCOMPARE(first.text, u"price "_s);
        QCOMPARE(first.nextOffset, 6);
        QVERIFY(append(path, euro.mid(2) + "\n"));
        LogChunk second = readLogChunk(path, first.nextOffset, 100);
        QCOMPARE(second.text, u"€\n"_s);
    }

    void shrunkFilesStartOver()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"1.log"_s);
        QVERIFY(append(path, "a long first life\n"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write("new\n");
        file.close();
        LogChunk chunk = readLogChunk(path, 18, 100);
        QVERIFY(chunk.restarted);
        QCOMPARE(chunk.text, u"new\n"_s);
    }

    void followsAppendedTextLive()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"1.log"_s);
        LogTail tail;
        tail.setInterval(20);
        QSignalSpy resets(&tail, &LogTail::reset);
        QSignalSpy appended(&tail, &LogTail::appended);
        QSignalSpy missing(&tail, &LogTail::missing);
        tail.follow(path, true);
        QTRY_COMPARE(missing.size(), 1);
        // The file appears: its content comes as a reset, then additions as they are written.
        QVERIFY(append(path, "try 1 of 1\n"));
        QTRY_COMPARE(resets.size(), 1);
        QCOMPARE(resets.at(0).at(0).toString(), u"try 1 of 1\n"_s);
        QVERIFY(append(path, "step 1\n"));
        QTRY_COMPARE(appended.size(), 1);
        QCOMPARE(appended.at(0).at(0).toString(), u"step 1\n"_s);
        QCOMPARE(missing.size(), 1);

        // The try ends: its last line is read once, then nothing more.
        QVERIFY(append(path, "succeeded\n"));
        tail.setLive(false);
        QTRY_COMPARE(appended.size(), 2);
        QCOMPARE(appended.at(1).at(0).toString(), u"succeeded\n"_s);
        QVERIFY(append(path, "late\n"));
        QTest::qWait(100);
        QCOMPARE(appended.size(), 2);
    }

    void anotherFileDropsTheFirst()
    {
        QTemporaryDir dir;
        const QString first = dir.filePath(u"1.log"_s);
        const QString second = dir.filePath(u"2.log"_s);
        QVERIFY(append(first, "first try\n"));
        QVERIFY(append(second, "second try\n"));
        LogTail tail;
        QSignalSpy resets(&tail, &LogTail::reset);
        tail.follow(first, false);
        tail.follow(second, false); // before the first read came back
        QTRY_COMPARE(resets.size(), 1);
        QTest::qWait(50);
        QCOMPARE(resets.size(), 1);
        QCOMPARE(resets.at(0).at(0).toString(), u"second try\n"_s);
        QCOMPARE(tail.path(), second);
    }
};

QTEST_GUILESS_MAIN(TestLogTail)
#include "tst_logtail.moc"
