#include "ui/panels/streams/batchlistmodel.h"

#include "ui/panels/streams/topictreemodel.h"

#include <QDateTime>
#include <QFont>

namespace millrace::ui {

namespace {

bool sameRow(const BatchEntry &a, const BatchEntry &b)
{
    return a.manifest.id == b.manifest.id && a.manifest.usedByRun == b.manifest.usedByRun
           && a.manifest.path == b.manifest.path && a.experimentId == b.experimentId
           && a.runName == b.runName && a.manifest.sampleCount == b.manifest.sampleCount
           && a.manifest.deadLetterCount == b.manifest.deadLetterCount;
}

QVariant rightAligned()
{
    return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
}

} // namespace

BatchListModel::BatchListModel(QObject *parent) : QAbstractTableModel(parent) {}

void BatchListModel::setBatches(std::vector<BatchEntry> batches)
{
    const bool sameBatches = batches.size() == m_batches.size()
                             && std::equal(batches.begin(), batches.end(), m_batches.begin(),
                                           [](const BatchEntry &a, const BatchEntry &b) {
                                               return a.manifest.id == b.manifest.id;
                                           });
    if (!sameBatches) {
        beginResetModel();
        m_batches = std::move(batches);
        endResetModel();
        return;
    }
    for (std::size_t row = 0; row < batches.size(); ++row) {
        if (sameRow(batches[row], m_batches[row]))
            continue;
        m_batches[row] = std::move(batches[row]);
        Q_EMIT dataChanged(index(int(row), 0), index(int(row), ColumnCount - 1));
    }
}

const BatchEntry *BatchListModel::batchAt(int row) const
{
    return row >= 0 && row < int(m_batches.size()) ? &m_batches[std::size_t(row)] : nullptr;
}

int BatchListModel::rowOfBatch(const QString &id) const
{
    for (std::size_t row = 0; row < m_batches.size(); ++row) {
        if (m_batches[row].manifest.id == id)
            return int(row);
    }
    return -1;
}

int BatchListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_batches.size());
}

int BatchListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BatchListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const BatchEntry &entry = m_batches[std::size_t(index.row())];
    const streams::BatchManifest &batch = entry.manifest;
    const bool link =
        index.column() == RunColumn && batch.isUsed() && !entry.experimentId.isEmpty();
    switch (role) {
    case BatchIdRole:
        return batch.id;
    case UsedRole:
        return batch.isUsed();
    case LinkRole:
        return link;
    case RunIdRole:
        return batch.usedByRun;
    case ExperimentIdRole:
        return entry.experimentId;
    case FolderRole:
        return batch.path;
    case SortRole:
        switch (index.column()) {
        case CreatedColumn:
            return batch.created;
        case SamplesColumn:
            return qlonglong(batch.sampleCount);
        case DeadLettersColumn:
            return qlonglong(batch.deadLetterCount);
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::TextAlignmentRole:
        if (index.column() == SamplesColumn || index.column() == DeadLettersColumn)
            return rightAligned();
        return {};
    case Qt::FontRole:
        if (link) {
            QFont underlined;
            underlined.setUnderline(true);
            return underlined;
        }
        return {};
    case Qt::ForegroundRole:
        return {};
    case Qt::ToolTipRole:
        switch (index.column()) {
        case StateColumn:
            return batch.isUsed() ? tr("Trained on; kept in data/used")
                                  : tr("Waiting in data/incoming for the next training run");
        case CreatedColumn:
            return tr("%1\n%2").arg(batch.id, batch.path);
        case TopicColumn:
            return tr("%1 on %2, consumer group %3")
                .arg(batch.source.topic, batch.source.profileLabel, batch.source.consumerGroup);
        case DeadLettersColumn:
            return batch.deadLetterCount > 0 ? tr("Messages that could not become samples; "
                                                  "choose the batch to see why")
                                             : QVariant();
        case RunColumn:
            if (!batch.isUsed())
                return {};
            return link ? tr("Open run %1 in the Experiments panel").arg(batch.usedByRun)
                        : tr("Run %1 is not in this workspace").arg(batch.usedByRun);
        default:
            return {};
        }
    case Qt::DisplayRole:
        switch (index.column()) {
        case StateColumn:
            return batch.isUsed() ? tr("used") : tr("incoming");
        case CreatedColumn: {
            // Today's batches need no date; the tooltip has the whole id.
            const QDateTime created = batch.created.toLocalTime();
            return created.toString(created.date() == QDate::currentDate()
                                        ? QStringLiteral("HH:mm:ss")
                                        : QStringLiteral("MMM d, HH:mm"));
        }
        case TopicColumn:
            return batch.source.topic;
        case OffsetsColumn:
            return offsetSummary(batch.partitions);
        case SamplesColumn:
            return formatCount(batch.sampleCount);
        case DeadLettersColumn:
            return formatCount(batch.deadLetterCount);
        case RunColumn:
            if (!batch.isUsed())
                return QString();
            return entry.runName.isEmpty() ? batch.usedByRun.left(8) : entry.runName;
        default:
            return {};
        }
    default:
        return {};
    }
}

QVariant BatchListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole)
        return section == SamplesColumn || section == DeadLettersColumn
                   ? rightAligned()
                   : QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case StateColumn:
        return tr("State");
    case CreatedColumn:
        return tr("Created");
    case TopicColumn:
        return tr("Topic");
    case OffsetsColumn:
        return tr("Offsets");
    case SamplesColumn:
        return tr("Samples");
    case DeadLettersColumn:
        return tr("Dead letters");
    case RunColumn:
        return tr("Used by run");
    default:
        return {};
    }
}

DeadLetterModel::DeadLetterModel(QObject *parent) : QAbstractTableModel(parent) {}

void DeadLetterModel::setLetters(std::vector<DeadLetterEntry> letters)
{
    beginResetModel();
    m_letters = std::move(letters);
    endResetModel();
}

int DeadLetterModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_letters.size());
}

int DeadLetterModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant DeadLetterModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const DeadLetterEntry &letter = m_letters[std::size_t(index.row())];
    if (role == Qt::TextAlignmentRole
        && (index.column() == PartitionColumn || index.column() == OffsetColumn))
        return rightAligned();
    if (role == Qt::ToolTipRole) {
        if (index.column() == ReasonColumn)
            return letter.reason;
        if (index.column() == PayloadColumn)
            return letter.payload;
        return {};
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case PartitionColumn:
        return letter.partition;
    case OffsetColumn:
        return qlonglong(letter.offset);
    case ReasonColumn:
        return letter.reason;
    case PayloadColumn:
        return letter.payload.simplified();
    default:
        return {};
    }
}

QVariant DeadLetterModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case PartitionColumn:
        return tr("Partition");
    case OffsetColumn:
        return tr("Offset");
    case ReasonColumn:
        return tr("Why it was refused");
    case PayloadColumn:
        return tr("Payload");
    default:
        return {};
    }
}

} // namespace millrace::ui
