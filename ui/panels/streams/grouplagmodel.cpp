#include "ui/panels/streams/grouplagmodel.h"

#include "ui/panels/streams/topictreemodel.h"

#include <algorithm>
#include <map>

namespace millrace::ui {

namespace {

bool partitionBefore(const streams::GroupPartitionLag &a, const streams::GroupPartitionLag &b)
{
    return a.topic != b.topic ? a.topic < b.topic : a.partition < b.partition;
}

bool sameEntry(const streams::GroupPartitionLag &a, const streams::GroupPartitionLag &b)
{
    return a.topic == b.topic && a.partition == b.partition
           && a.committedOffset == b.committedOffset && a.highWatermark == b.highWatermark
           && a.lag == b.lag;
}

} // namespace

std::int64_t GroupLagModel::GroupNode::totalLag() const
{
    std::int64_t total = 0;
    for (const streams::GroupPartitionLag &entry : partitions)
        total += entry.lag;
    return total;
}

GroupLagModel::GroupLagModel(QObject *parent) : QAbstractItemModel(parent) {}

GroupLagModel::~GroupLagModel() = default;

void GroupLagModel::setGroups(const std::vector<streams::ConsumerGroupInfo> &groups,
                              const std::vector<streams::GroupPartitionLag> &lag)
{
    std::map<QString, GroupNode> next;
    for (const streams::ConsumerGroupInfo &group : groups)
        next[group.id].info = group;
    for (const streams::GroupPartitionLag &entry : lag) {
        GroupNode &node = next[entry.group];
        node.info.id = entry.group;
        node.partitions.push_back(entry);
    }
    std::vector<GroupNode> sorted;
    sorted.reserve(next.size());
    for (auto &[id, node] : next) {
        std::sort(node.partitions.begin(), node.partitions.end(), partitionBefore);
        sorted.push_back(std::move(node));
    }

    int row = 0;
    std::size_t n = 0;
    while (row < int(m_groups.size()) || n < sorted.size()) {
        const bool haveOld = row < int(m_groups.size());
        const bool haveNew = n < sorted.size();
        if (haveOld && (!haveNew || m_groups[std::size_t(row)]->info.id < sorted[n].info.id)) {
            beginRemoveRows(QModelIndex(), row, row);
            m_groups.erase(m_groups.begin() + row);
            endRemoveRows();
            continue;
        }
        if (haveNew && (!haveOld || sorted[n].info.id < m_groups[std::size_t(row)]->info.id)) {
            beginInsertRows(QModelIndex(), row, row);
            m_groups.insert(m_groups.begin() + row,
                            std::make_unique<GroupNode>(std::move(sorted[n])));
            endInsertRows();
            ++row;
            ++n;
            continue;
        }
        updateGroup(row, std::move(sorted[n]));
        ++row;
        ++n;
    }
}

void GroupLagModel::updateGroup(int row, GroupNode next)
{
    GroupNode &node = *m_groups[std::size_t(row)];
    const QModelIndex groupIndex = index(row, 0);
    std::vector<streams::GroupPartitionLag> &old = node.partitions;
    int firstChanged = -1;
    int lastChanged = -1;
    bool rowsMoved = false;
    int p = 0;
    std::size_t q = 0;
    while (p < int(old.size()) || q < next.partitions.size()) {
        const bool haveOld = p < int(old.size());
        const bool haveNew = q < next.partitions.size();
        if (haveOld && (!haveNew || partitionBefore(old[std::size_t(p)], next.partitions[q]))) {
            beginRemoveRows(groupIndex, p, p);
            old.erase(old.begin() + p);
            endRemoveRows();
            rowsMoved = true;
            continue;
        }
        if (haveNew && (!haveOld || partitionBefore(next.partitions[q], old[std::size_t(p)]))) {
            beginInsertRows(groupIndex, p, p);
            old.insert(old.begin() + p, next.partitions[q]);
            endInsertRows();
            rowsMoved = true;
            ++p;
            ++q;
            continue;
        }
        if (!sameEntry(old[std::size_t(p)], next.partitions[q])) {
            old[std::size_t(p)] = next.partitions[q];
            if (firstChanged < 0)
                firstChanged = p;
            lastChanged = p;
        }
        ++p;
        ++q;
    }
    if (firstChanged >= 0) {
        Q_EMIT dataChanged(index(firstChanged, 0, groupIndex),
                           index(lastChanged, ColumnCount - 1, groupIndex));
    }
    const bool groupChanged = firstChanged >= 0 || rowsMoved || node.info.state != next.info.state
                              || node.info.simple != next.info.simple;
    node.info = next.info;
    if (groupChanged)
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void GroupLagModel::clear()
{
    if (m_groups.empty())
        return;
    beginResetModel();
    m_groups.clear();
    endResetModel();
}

QModelIndex GroupLagModel::indexOfGroup(const QString &id) const
{
    for (std::size_t row = 0; row < m_groups.size(); ++row) {
        if (m_groups[row]->info.id == id)
            return index(int(row), 0);
    }
    return {};
}

std::int64_t GroupLagModel::totalLag(const QString &id) const
{
    const QModelIndex group = indexOfGroup(id);
    return group.isValid() ? m_groups[std::size_t(group.row())]->totalLag() : 0;
}

int GroupLagModel::rowOf(const GroupNode *node) const
{
    for (std::size_t row = 0; row < m_groups.size(); ++row) {
        if (m_groups[row].get() == node)
            return int(row);
    }
    return -1;
}

QModelIndex GroupLagModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount)
        return {};
    if (!parent.isValid()) {
        if (row >= int(m_groups.size()))
            return {};
        return createIndex(row, column, nullptr);
    }
    if (parent.internalPointer() != nullptr || parent.column() != 0)
        return {};
    GroupNode *node = m_groups[std::size_t(parent.row())].get();
    if (row >= int(node->partitions.size()))
        return {};
    return createIndex(row, column, node);
}

QModelIndex GroupLagModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalPointer() == nullptr)
        return {};
    const int row = rowOf(static_cast<const GroupNode *>(child.internalPointer()));
    return row < 0 ? QModelIndex() : createIndex(row, 0, nullptr);
}

int GroupLagModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_groups.size());
    if (parent.internalPointer() != nullptr || parent.column() != 0)
        return 0;
    return int(m_groups[std::size_t(parent.row())]->partitions.size());
}

int GroupLagModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant GroupLagModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    if (const auto *node = static_cast<const GroupNode *>(index.internalPointer())) {
        if (role == GroupRole)
            return node->info.id;
        return partitionData(node->partitions[std::size_t(index.row())], index.column(), role);
    }
    return groupData(*m_groups[std::size_t(index.row())], index.column(), role);
}

QVariant GroupLagModel::groupData(const GroupNode &node, int column, int role) const
{
    switch (role) {
    case GroupRole:
        return node.info.id;
    case TopicRole:
        return QString();
    case PartitionRole:
        return -1;
    case LagRole:
        return qlonglong(node.totalLag());
    case Qt::TextAlignmentRole:
        if (column >= CommittedColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        if (column == NameColumn && node.partitions.empty())
            return tr("%1 has committed no offsets yet").arg(node.info.id);
        return {};
    case Qt::DisplayRole:
        switch (column) {
        case NameColumn:
            return node.info.id;
        case StateColumn:
            return node.info.state.isEmpty() ? QStringLiteral("—") : node.info.state;
        case LagColumn:
            return formatCount(node.totalLag());
        default:
            return {};
        }
    default:
        return {};
    }
}

QVariant GroupLagModel::partitionData(const streams::GroupPartitionLag &entry, int column,
                                      int role) const
{
    switch (role) {
    case TopicRole:
        return entry.topic;
    case PartitionRole:
        return entry.partition;
    case LagRole:
        return qlonglong(entry.lag);
    case Qt::TextAlignmentRole:
        if (column >= CommittedColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        if (column == CommittedColumn && entry.committedOffset < 0)
            return tr("Nothing committed: the lag counts from the oldest message held");
        return {};
    case Qt::DisplayRole:
        switch (column) {
        case NameColumn:
            return tr("%1 · partition %2").arg(entry.topic).arg(entry.partition);
        case CommittedColumn:
            return entry.committedOffset < 0 ? tr("none") : formatCount(entry.committedOffset);
        case EndColumn:
            return formatCount(entry.highWatermark);
        case LagColumn:
            return formatCount(entry.lag);
        default:
            return {};
        }
    default:
        return {};
    }
}

QVariant GroupLagModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole && section >= CommittedColumn)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Consumer group");
    case StateColumn:
        return tr("State");
    case CommittedColumn:
        return tr("Committed");
    case EndColumn:
        return tr("End");
    case LagColumn:
        return tr("Lag");
    default:
        return {};
    }
}

} // namespace millrace::ui
