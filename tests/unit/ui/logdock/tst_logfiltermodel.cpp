#include "ui/logdock/logfiltermodel.h"
#include "ui/logdock/logmodel.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace millrace;
using namespace millrace::ui;
using namespace Qt::StringLiterals;

namespace {

LogEntry entry(QtMsgType type, const QString &category, const QString &message)
{
    static quint64 sequence = 0;
    return LogEntry{QDateTime::currentDateTime(), type, category, message, ++sequence};
}

// A start-up log as the dock would show it.
QList<LogEntry> sampleLog()
{
    return {
        entry(QtDebugMsg, u"millrace.store"_s, u"opened read connection"_s),
        entry(QtInfoMsg, u"millrace.workspace"_s, u"workspace opened"_s),
        entry(QtInfoMsg, u"millrace.streams"_s, u"subscribed to fashion-samples"_s),
        entry(QtWarningMsg, u"millrace.streams"_s, u"Kafka broker slow to answer"_s),
        entry(QtWarningMsg, u"millrace.plugins"_s, u"plugin libfoo.so rejected"_s),
        entry(QtCriticalMsg, u"millrace.scheduler"_s, u"task train_model failed"_s),
    };
}

QStringList shownMessages(const QAbstractItemModel &model)
{
    QStringList list;
    for (int row = 0; row < model.rowCount(); ++row)
        list.append(model.index(row, LogModel::MessageColumn).data().toString());
    return list;
}

} // namespace

class TestLogFilterModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void showsEverythingByDefault();
    void filtersByLevelAndText_data();
    void filtersByLevelAndText();
    void followsTheSourceWhileFiltered();
    void severityOrdersLevels();

private:
    LogModel *m_source = nullptr;
    LogFilterModel *m_filter = nullptr;
    QAbstractItemModelTester *m_sourceTester = nullptr;
    QAbstractItemModelTester *m_filterTester = nullptr;
};

void TestLogFilterModel::init()
{
    m_source = new LogModel(100, this);
    m_filter = new LogFilterModel(this);
    m_filter->setSourceModel(m_source);
    m_sourceTester = new QAbstractItemModelTester(
        m_source, QAbstractItemModelTester::FailureReportingMode::QtTest, this);
    m_filterTester = new QAbstractItemModelTester(
        m_filter, QAbstractItemModelTester::FailureReportingMode::QtTest, this);
    m_source->appendAll(sampleLog());
}

void TestLogFilterModel::cleanup()
{
    delete m_filterTester;
    delete m_sourceTester;
    delete m_filter;
    delete m_source;
}

void TestLogFilterModel::showsEverythingByDefault()
{
    QCOMPARE(m_filter->rowCount(), 6);
    QCOMPARE(m_filter->columnCount(), 4);
}

void TestLogFilterModel::filtersByLevelAndText_data()
{
    QTest::addColumn<int>("minimumLevel");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("shown");

    QTest::newRow("debug and up") << int(QtDebugMsg) << QString()
                                  << QStringList{u"opened read connection"_s,
                                                 u"workspace opened"_s,
                                                 u"subscribed to fashion-samples"_s,
                                                 u"Kafka broker slow to answer"_s,
                                                 u"plugin libfoo.so rejected"_s,
                                                 u"task train_model failed"_s};
    QTest::newRow("info and up") << int(QtInfoMsg) << QString()
                                 << QStringList{u"workspace opened"_s,
                                                u"subscribed to fashion-samples"_s,
                                                u"Kafka broker slow to answer"_s,
                                                u"plugin libfoo.so rejected"_s,
                                                u"task train_model failed"_s};
    QTest::newRow("warnings and up")
        << int(QtWarningMsg) << QString()
        << QStringList{u"Kafka broker slow to answer"_s, u"plugin libfoo.so rejected"_s,
                       u"task train_model failed"_s};
    QTest::newRow("errors only") << int(QtCriticalMsg) << QString()
                                 << QStringList{u"task train_model failed"_s};
    QTest::newRow("fatal only") << int(QtFatalMsg) << QString() << QStringList();
    QTest::newRow("text in the message, any case")
        << int(QtDebugMsg) << u"KAFKA"_s << QStringList{u"Kafka broker slow to answer"_s};
    QTest::newRow("text in the category")
        << int(QtDebugMsg) << u"streams"_s
        << QStringList{u"subscribed to fashion-samples"_s, u"Kafka broker slow to answer"_s};
    QTest::newRow("level and text together")
        << int(QtWarningMsg) << u"streams"_s << QStringList{u"Kafka broker slow to answer"_s};
    QTest::newRow("text nobody has") << int(QtDebugMsg) << u"onnx"_s << QStringList();
    QTest::newRow("time and level columns are not searched")
        << int(QtDebugMsg) << u"warning"_s << QStringList();
}

void TestLogFilterModel::filtersByLevelAndText()
{
    QFETCH(int, minimumLevel);
    QFETCH(QString, text);
    QFETCH(QStringList, shown);

    m_filter->setMinimumLevel(QtMsgType(minimumLevel));
    m_filter->setText(text);
    QCOMPARE(shownMessages(*m_filter), shown);

    // Clearing the filters brings every row back.
    m_filter->setMinimumLevel(QtDebugMsg);
    m_filter->setText(QString());
    QCOMPARE(m_filter->rowCount(), 6);
}

void TestLogFilterModel::followsTheSourceWhileFiltered()
{
    m_filter->setMinimumLevel(QtWarningMsg);
    m_source->append(entry(QtInfoMsg, u"millrace.serving"_s, u"model v3 live"_s));
    m_source->append(entry(QtCriticalMsg, u"millrace.serving"_s, u"inference worker crashed"_s));
    QCOMPARE(m_filter->rowCount(), 4);
    QCOMPARE(shownMessages(*m_filter).constLast(), u"inference worker crashed"_s);

    m_source->clear();
    QCOMPARE(m_filter->rowCount(), 0);
    m_source->append(entry(QtWarningMsg, u"millrace.store"_s, u"checkpoint took long"_s));
    QCOMPARE(shownMessages(*m_filter), QStringList{u"checkpoint took long"_s});
}

void TestLogFilterModel::severityOrdersLevels()
{
    QVERIFY(LogFilterModel::severity(QtDebugMsg) < LogFilterModel::severity(QtInfoMsg));
    QVERIFY(LogFilterModel::severity(QtInfoMsg) < LogFilterModel::severity(QtWarningMsg));
    QVERIFY(LogFilterModel::severity(QtWarningMsg) < LogFilterModel::severity(QtCriticalMsg));
    QVERIFY(LogFilterModel::severity(QtCriticalMsg) < LogFilterModel::severity(QtFatalMsg));
}

QTEST_MAIN(TestLogFilterModel)

#include "tst_logfiltermodel.moc"
