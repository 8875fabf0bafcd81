#include "ui/panels/streams/messagetablemodel.h"

#include "core/streams/messageexport.h"

#include <QDateTime>
#include <QFont>

namespace millrace::ui {

namespace {

QString preview(const QByteArray &payload)
{
    if (payload.isNull())
        return QString();
    // One line shows the start only: a megabyte value need not be rendered whole for it.
    const QByteArray head = payload.left(4 * kPreviewLength);
    const bool cut = head.size() < payload.size();
    QString text;
    switch (streams::detectEncoding(payload)) {
    case streams::PayloadEncoding::Hex:
        text = QString::fromLatin1(head.left(kPreviewLength / 3).toHex(' '));
        break;
    case streams::PayloadEncoding::Json:
        if (!cut) {
            text = streams::renderPayload(payload, streams::PayloadEncoding::Json,
                                          streams::JsonLayout::Compact);
            break;
        }
        [[fallthrough]]; // the start of a long document, as sent
    default:
        text = QString::fromUtf8(head);
        break;
    }
    text = text.simplified();
    if (cut || text.size() > kPreviewLength)
        text = text.left(kPreviewLength) + QStringLiteral("…");
    return text;
}

} // namespace

std::vector<MessageRow> previewRows(std::vector<streams::BrowsedMessage> messages)
{
    std::vector<MessageRow> rows;
    rows.reserve(messages.size());
    for (streams::BrowsedMessage &message : messages) {
        MessageRow row;
        row.keyPreview = preview(message.key);
        row.valuePreview = preview(message.value);
        row.message = std::move(message);
        rows.push_back(std::move(row));
    }
    return rows;
}

MessageTableModel::MessageTableModel(QObject *parent) : QAbstractTableModel(parent) {}

void MessageTableModel::setRows(std::vector<MessageRow> rows)
{
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

const streams::BrowsedMessage *MessageTableModel::messageAt(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? &m_rows[std::size_t(row)].message : nullptr;
}

std::vector<streams::BrowsedMessage> MessageTableModel::messages() const
{
    std::vector<streams::BrowsedMessage> all;
    all.reserve(m_rows.size());
    for (const MessageRow &row : m_rows)
        all.push_back(row.message);
    return all;
}

int MessageTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int MessageTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant MessageTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const MessageRow &row = m_rows[std::size_t(index.row())];
    const streams::BrowsedMessage &message = row.message;
    switch (role) {
    case OffsetRole:
        return qlonglong(message.offset);
    case PartitionRole:
        return message.partition;
    case Qt::TextAlignmentRole:
        if (index.column() == PartitionColumn || index.column() == OffsetColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ForegroundRole:
        return {};
    case Qt::FontRole:
        if (index.column() == KeyColumn && message.key.isNull()) {
            QFont italic;
            italic.setItalic(true);
            return italic;
        }
        return {};
    case Qt::ToolTipRole:
        if (index.column() == TimestampColumn && message.timestampMs >= 0)
            return QDateTime::fromMSecsSinceEpoch(message.timestampMs).toString(Qt::ISODateWithMs);
        if (index.column() == ValueColumn && message.value.isNull())
            return tr("A tombstone: the message has no value");
        return {};
    case Qt::DisplayRole:
        switch (index.column()) {
        case PartitionColumn:
            return message.partition;
        case OffsetColumn:
            return qlonglong(message.offset);
        case TimestampColumn: {
            if (message.timestampMs < 0)
                return QStringLiteral("—");
            // Today's messages need no date; the tooltip has it.
            const QDateTime time = QDateTime::fromMSecsSinceEpoch(message.timestampMs);
            return time.toString(time.date() == QDate::currentDate()
                                     ? QStringLiteral("HH:mm:ss.zzz")
                                     : QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
        }
        case KeyColumn:
            return message.key.isNull() ? tr("none") : row.keyPreview;
        case ValueColumn:
            return message.value.isNull() ? tr("(tombstone)") : row.valuePreview;
        default:
            return {};
        }
    default:
        return {};
    }
}

QVariant MessageTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case PartitionColumn:
        return tr("Partition");
    case OffsetColumn:
        return tr("Offset");
    case TimestampColumn:
        return tr("Timestamp");
    case KeyColumn:
        return tr("Key");
    case ValueColumn:
        return tr("Value");
    default:
        return {};
    }
}

} // namespace millrace::ui
