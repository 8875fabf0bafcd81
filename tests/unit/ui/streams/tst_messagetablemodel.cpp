// The message browser's table: one row per message with partition, offset, timestamp, key and
// a one-line preview of the value (compact JSON, text, or hex for binary), long values cut,
// absent keys and tombstones named, and the page handed back whole for export.

#include "ui/panels/streams/messagetablemodel.h"

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QSignalSpy>
#include <QTest>

using namespace millrace;
using namespace millrace::ui;
using namespace Qt::StringLiterals;

namespace {

streams::BrowsedMessage message(int partition, qint64 offset, const QByteArray &key,
                                const QByteArray &value, qint64 timestampMs = 1700000000000)
{
    streams::BrowsedMessage result;
    result.topic = u"orders"_s;
    result.partition = partition;
    result.offset = offset;
    result.timestampMs = timestampMs;
    result.key = key;
    result.value = value;
    return result;
}

QString cell(const MessageTableModel &model, int row, int column)
{
    return model.index(row, column).data().toString();
}

} // namespace

class TestMessageTableModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rowsShowWhereAndWhat()
    {
        MessageTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        model.setRows(previewRows({
            message(2, 41, "customer-7", "{\n  \"id\": \"o-1\",\n  \"label\": 3\n}"),
            message(0, 7, QByteArray(), "plain text value"),
            message(1, 3, "k", QByteArray()),
        }));
        QCOMPARE(resets.count(), 1);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.columnCount(), int(MessageTableModel::ColumnCount));
        QCOMPARE(cell(model, 0, MessageTableModel::PartitionColumn), u"2"_s);
        QCOMPARE(cell(model, 0, MessageTableModel::OffsetColumn), u"41"_s);
        QCOMPARE(
            cell(model, 0, MessageTableModel::TimestampColumn),
            QDateTime::fromMSecsSinceEpoch(1700000000000).toString(u"yyyy-MM-dd HH:mm:ss.zzz"_s));
        QCOMPARE(cell(model, 0, MessageTableModel::KeyColumn), u"customer-7"_s);
        // JSON laid out on one line.
        QCOMPARE(cell(model, 0, MessageTableModel::ValueColumn), u"{\"id\":\"o-1\",\"label\":3}"_s);
        QCOMPARE(cell(model, 1, MessageTableModel::KeyColumn), u"none"_s);
        QVERIFY(model.index(1, MessageTableModel::KeyColumn)
                    .data(Qt::FontRole)
                    .value<QFont>()
                    .italic());
        QCOMPARE(cell(model, 1, MessageTableModel::ValueColumn), u"plain text value"_s);
        QCOMPARE(cell(model, 2, MessageTableModel::ValueColumn), u"(tombstone)"_s);
        QCOMPARE(model.index(0, 0).data(MessageTableModel::OffsetRole).toLongLong(), 41);
        QCOMPARE(model.index(0, 0).data(MessageTableModel::PartitionRole).toInt(), 2);
        QCOMPARE(model.messageAt(1)->value, QByteArray("plain text value"));
        QVERIFY(!model.messageAt(3));

        const std::vector<streams::BrowsedMessage> all = model.messages();
        QCOMPARE(all.size(), std::size_t(3));
        QCOMPARE(all[0].offset, 41);
        QVERIFY(all[1].key.isNull());

        model.setRows({});
        QCOMPARE(model.rowCount(), 0);
    }

    void todaysMessagesShowTheTimeOnly()
    {
        MessageTableModel model;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        model.setRows(previewRows({message(0, 0, "k", "v", now), message(0, 1, "k", "v", -1)}));
        QCOMPARE(cell(model, 0, MessageTableModel::TimestampColumn),
                 QDateTime::fromMSecsSinceEpoch(now).toString(u"HH:mm:ss.zzz"_s));
        QCOMPARE(model.index(0, MessageTableModel::TimestampColumn).data(Qt::ToolTipRole),
                 QVariant(QDateTime::fromMSecsSinceEpoch(now).toString(Qt::ISODateWithMs)));
        QCOMPARE(cell(model, 1, MessageTableModel::TimestampColumn), u"—"_s);
    }

    void longAndBinaryValuesPreviewShort()
    {
        QByteArray pixels = "{\"id\":\"fmnist-1-0\",\"image\":[";
        for (int i = 0; i < 784; ++i)
            pixels += (i ? "," : "") + QByteArray::number(i % 256);
        pixels += "],\"label\":9}";
        QByteArray binary;
        for (int i = 0; i < 64; ++i)
            binary += char(i * 7);
        const std::vector<MessageRow> rows =
            previewRows({message(0, 0, "k", pixels), message(0, 1, "k", binary)});
        QVERIFY(rows[0].valuePreview.startsWith(u"{\"id\":\"fmnist-1-0\",\"image\":[0,1,2"_s));
        QVERIFY(rows[0].valuePreview.endsWith(u"…"_s));
        QCOMPARE(rows[0].valuePreview.size(), kPreviewLength + 1);
        // The whole message stays for the detail pane and export.
        QCOMPARE(rows[0].message.value, pixels);
        QVERIFY2(rows[1].valuePreview.startsWith(u"00 07 0e 15"_s),
                 qPrintable(rows[1].valuePreview));
    }
};

QTEST_GUILESS_MAIN(TestMessageTableModel)
#include "tst_messagetablemodel.moc"
