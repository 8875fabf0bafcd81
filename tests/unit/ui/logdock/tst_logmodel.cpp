#include "ui/logdock/logmodel.h"

#include <QAbstractItemModelTester>
#include <QIcon>
#include <QSignalSpy>
#include <QTest>

using namespace millrace;
using namespace millrace::ui;
using namespace Qt::StringLiterals;

namespace {

LogEntry entry(const QString &message, QtMsgType type = QtInfoMsg,
               const QString &category = u"millrace.test"_s)
{
    static quint64 sequence = 0;
    return LogEntry{QDateTime(QDate(2024, 6, 11), QTime(14, 3, 7, 250)), type, category, message,
                    ++sequence};
}

QList<LogEntry> entries(int first, int count)
{
    QList<LogEntry> list;
    for (int i = first; i < first + count; ++i)
        list.append(entry(u"message %1"_s.arg(i)));
    return list;
}

QStringList messages(const LogModel &model)
{
    QStringList list;
    for (int row = 0; row < model.rowCount(); ++row)
        list.append(model.index(row, LogModel::MessageColumn).data().toString());
    return list;
}

QStringList expectedMessages(int first, int last)
{
    QStringList list;
    for (int i = first; i <= last; ++i)
        list.append(u"message %1"_s.arg(i));
    return list;
}

} // namespace

class TestLogModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void showsTimeLevelCategoryAndMessage();
    void levelsHaveNamesAndIcons_data();
    void levelsHaveNamesAndIcons();
    void appendKeepsTheNewestUpToCapacity();
    void appendAllKeepsTheNewestUpToCapacity_data();
    void appendAllKeepsTheNewestUpToCapacity();
    void clearEmptiesAndAcceptsMore();
};

void TestLogModel::showsTimeLevelCategoryAndMessage()
{
    LogModel model(100);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.append(entry(u"broker connected"_s, QtInfoMsg, u"millrace.streams"_s));

    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.columnCount(), 4);
    QCOMPARE(model.index(0, LogModel::TimeColumn).data().toString(), u"14:03:07.250"_s);
    QCOMPARE(model.index(0, LogModel::TimeColumn).data(Qt::ToolTipRole).toString(),
             u"2024-06-11T14:03:07.250"_s);
    QCOMPARE(model.index(0, LogModel::LevelColumn).data().toString(), u"info"_s);
    QCOMPARE(model.index(0, LogModel::CategoryColumn).data().toString(), u"millrace.streams"_s);
    QCOMPARE(model.index(0, LogModel::MessageColumn).data().toString(), u"broker connected"_s);
    QCOMPARE(model.index(0, LogModel::MessageColumn).data(LogModel::MessageTypeRole).toInt(),
             int(QtInfoMsg));

    QCOMPARE(model.headerData(LogModel::TimeColumn, Qt::Horizontal).toString(), u"Time"_s);
    QCOMPARE(model.headerData(LogModel::LevelColumn, Qt::Horizontal).toString(), u"Level"_s);
    QCOMPARE(model.headerData(LogModel::CategoryColumn, Qt::Horizontal).toString(), u"Category"_s);
    QCOMPARE(model.headerData(LogModel::MessageColumn, Qt::Horizontal).toString(), u"Message"_s);
    QVERIFY(!model.headerData(0, Qt::Vertical).isValid());
}

void TestLogModel::levelsHaveNamesAndIcons_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("hasIcon");

    QTest::newRow("debug") << int(QtDebugMsg) << u"debug"_s << false;
    QTest::newRow("info") << int(QtInfoMsg) << u"info"_s << false;
    QTest::newRow("warning") << int(QtWarningMsg) << u"warning"_s << true;
    QTest::newRow("critical") << int(QtCriticalMsg) << u"error"_s << true;
    QTest::newRow("fatal") << int(QtFatalMsg) << u"fatal"_s << true;
}

void TestLogModel::levelsHaveNamesAndIcons()
{
    QFETCH(int, type);
    QFETCH(QString, name);
    QFETCH(bool, hasIcon);

    LogModel model;
    model.append(entry(u"something"_s, QtMsgType(type)));
    const QModelIndex level = model.index(0, LogModel::LevelColumn);
    QCOMPARE(level.data().toString(), name);
    QCOMPARE(LogModel::levelName(QtMsgType(type)), name);
    QCOMPARE(level.data(Qt::DecorationRole).value<QIcon>().isNull(), !hasIcon);
    QCOMPARE(level.data(LogModel::MessageTypeRole).toInt(), type);
}

void TestLogModel::appendKeepsTheNewestUpToCapacity()
{
    LogModel model(5);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    for (const LogEntry &item : entries(0, 12))
        model.append(item);

    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(messages(model), expectedMessages(7, 11));
    // Old rows leave by removal, so views keep their place instead of being reset.
    QCOMPARE(removed.count(), 7);
}

void TestLogModel::appendAllKeepsTheNewestUpToCapacity_data()
{
    QTest::addColumn<int>("capacity");
    QTest::addColumn<int>("already");
    QTest::addColumn<int>("added");

    QTest::newRow("fits") << 10 << 3 << 4;
    QTest::newRow("fills exactly") << 10 << 3 << 7;
    QTest::newRow("pushes out old rows") << 10 << 6 << 7;
    QTest::newRow("more than capacity at once") << 5 << 2 << 12;
    QTest::newRow("into an empty model, too many") << 4 << 0 << 9;
    QTest::newRow("nothing") << 4 << 2 << 0;
    QTest::newRow("capacity one") << 1 << 1 << 3;
}

void TestLogModel::appendAllKeepsTheNewestUpToCapacity()
{
    QFETCH(int, capacity);
    QFETCH(int, already);
    QFETCH(int, added);

    LogModel model(capacity);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendAll(entries(0, already));
    model.appendAll(entries(already, added));

    const int total = already + added;
    const int kept = qMin(total, capacity);
    QCOMPARE(model.rowCount(), kept);
    QCOMPARE(messages(model), expectedMessages(total - kept, total - 1));
}

void TestLogModel::clearEmptiesAndAcceptsMore()
{
    LogModel model(5);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendAll(entries(0, 8));
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(!model.index(0, 0).isValid());

    model.appendAll(entries(100, 3));
    QCOMPARE(messages(model), expectedMessages(100, 102));
    model.clear();
    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

QTEST_MAIN(TestLogModel)

#include "tst_logmodel.moc"
