#include "ui/panels/streams/topictreemodel.h"

#include <QLocale>

#include <algorithm>
#include <cmath>

namespace millrace::ui {

namespace {

QString brokerList(const std::vector<std::int32_t> &brokers)
{
    QStringList ids;
    for (std::int32_t id : brokers)
        ids << QString::number(id);
    return ids.join(QStringLiteral(", "));
}

bool samePartition(const streams::PartitionInfo &a, const streams::PartitionInfo &b)
{
    return a.id == b.id && a.leader == b.leader && a.replicas == b.replicas
           && a.inSyncReplicas == b.inSyncReplicas && a.lowWatermark == b.lowWatermark
           && a.highWatermark == b.highWatermark && a.error == b.error;
}

bool byName(const streams::TopicInfo &a, const streams::TopicInfo &b)
{
    return a.name < b.name;
}

} // namespace

QString formatCount(std::int64_t count)
{
    if (count < 0)
        return QStringLiteral("—");
    return QLocale().toString(qlonglong(count));
}

QString formatRate(double perSecond)
{
    if (!(perSecond > 0))
        return QStringLiteral("0/s");
    if (perSecond < 10)
        return QStringLiteral("%1/s").arg(QLocale().toString(perSecond, 'f', 1));
    return QStringLiteral("%1/s").arg(QLocale().toString(qlonglong(std::llround(perSecond))));
}

TopicTreeModel::TopicTreeModel(QObject *parent) : QAbstractItemModel(parent) {}

TopicTreeModel::~TopicTreeModel() = default;

void TopicTreeModel::setTopics(const std::vector<streams::TopicInfo> &topics,
                               const std::map<QString, double> &rates)
{
    std::vector<streams::TopicInfo> next = topics;
    std::sort(next.begin(), next.end(), byName);
    auto rateOf = [&rates](const QString &name) {
        const auto found = rates.find(name);
        return found == rates.end() ? 0.0 : found->second;
    };
    // A merge of two sorted lists: rows that went away are removed, new ones inserted where
    // they belong, the rest updated in place.
    int row = 0;
    std::size_t n = 0;
    while (row < int(m_topics.size()) || n < next.size()) {
        const bool haveOld = row < int(m_topics.size());
        const bool haveNew = n < next.size();
        if (haveOld && (!haveNew || m_topics[std::size_t(row)]->info.name < next[n].name)) {
            beginRemoveRows(QModelIndex(), row, row);
            m_topics.erase(m_topics.begin() + row);
            endRemoveRows();
            continue;
        }
        if (haveNew && (!haveOld || next[n].name < m_topics[std::size_t(row)]->info.name)) {
            beginInsertRows(QModelIndex(), row, row);
            auto node = std::make_unique<TopicNode>();
            node->info = std::move(next[n]);
            std::sort(node->info.partitions.begin(), node->info.partitions.end(),
                      [](const auto &a, const auto &b) { return a.id < b.id; });
            node->rate = rateOf(node->info.name);
            m_topics.insert(m_topics.begin() + row, std::move(node));
            endInsertRows();
            ++row;
            ++n;
            continue;
        }
        const double rate = rateOf(next[n].name);
        updateTopic(row, std::move(next[n]), rate);
        ++row;
        ++n;
    }
}

void TopicTreeModel::updateTopic(int row, streams::TopicInfo info, double rate)
{
    TopicNode &node = *m_topics[std::size_t(row)];
    std::sort(info.partitions.begin(), info.partitions.end(),
              [](const auto &a, const auto &b) { return a.id < b.id; });
    const QModelIndex topicIndex = index(row, 0);
    std::vector<streams::PartitionInfo> &old = node.info.partitions;
    std::vector<streams::PartitionInfo> &fresh = info.partitions;
    int firstChanged = -1;
    int lastChanged = -1;
    bool rowsMoved = false;
    int p = 0;
    std::size_t q = 0;
    while (p < int(old.size()) || q < fresh.size()) {
        const bool haveOld = p < int(old.size());
        const bool haveNew = q < fresh.size();
        if (haveOld && (!haveNew || old[std::size_t(p)].id < fresh[q].id)) {
            beginRemoveRows(topicIndex, p, p);
            old.erase(old.begin() + p);
            endRemoveRows();
            rowsMoved = true;
            continue;
        }
        if (haveNew && (!haveOld || fresh[q].id < old[std::size_t(p)].id)) {
            beginInsertRows(topicIndex, p, p);
            old.insert(old.begin() + p, fresh[q]);
            endInsertRows();
            rowsMoved = true;
            ++p;
            ++q;
            continue;
        }
        if (!samePartition(old[std::size_t(p)], fresh[q])) {
            old[std::size_t(p)] = fresh[q];
            if (firstChanged < 0)
                firstChanged = p;
            lastChanged = p;
        }
        ++p;
        ++q;
    }
    if (firstChanged >= 0) {
        Q_EMIT dataChanged(index(firstChanged, 0, topicIndex),
                           index(lastChanged, ColumnCount - 1, topicIndex));
    }
    const bool topicChanged = firstChanged >= 0 || rowsMoved || node.rate != rate
                              || node.info.internal != info.internal
                              || node.info.error != info.error;
    node.info.internal = info.internal;
    node.info.error = info.error;
    node.rate = rate;
    if (topicChanged)
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void TopicTreeModel::clear()
{
    if (m_topics.empty())
        return;
    beginResetModel();
    m_topics.clear();
    endResetModel();
}

QModelIndex TopicTreeModel::indexOfTopic(const QString &name) const
{
    const auto found =
        std::lower_bound(m_topics.begin(), m_topics.end(), name,
                         [](const std::unique_ptr<TopicNode> &node, const QString &wanted) {
                             return node->info.name < wanted;
                         });
    if (found == m_topics.end() || (*found)->info.name != name)
        return {};
    return index(int(found - m_topics.begin()), 0);
}

const streams::TopicInfo *TopicTreeModel::topicAt(const QModelIndex &index) const
{
    if (!index.isValid() || index.model() != this)
        return nullptr;
    if (const auto *node = static_cast<const TopicNode *>(index.internalPointer()))
        return &node->info;
    return &m_topics[std::size_t(index.row())]->info;
}

QStringList TopicTreeModel::topicNames(bool withInternal) const
{
    QStringList names;
    for (const auto &node : m_topics) {
        if (withInternal || !node->info.internal)
            names << node->info.name;
    }
    return names;
}

int TopicTreeModel::rowOf(const TopicNode *node) const
{
    for (std::size_t row = 0; row < m_topics.size(); ++row) {
        if (m_topics[row].get() == node)
            return int(row);
    }
    return -1;
}

QModelIndex TopicTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount)
        return {};
    if (!parent.isValid()) {
        if (row >= int(m_topics.size()))
            return {};
        return createIndex(row, column, nullptr);
    }
    if (parent.internalPointer() != nullptr || parent.column() != 0)
        return {}; // partitions have no children
    TopicNode *node = m_topics[std::size_t(parent.row())].get();
    if (row >= int(node->info.partitions.size()))
        return {};
    return createIndex(row, column, node);
}

QModelIndex TopicTreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalPointer() == nullptr)
        return {};
    const int row = rowOf(static_cast<const TopicNode *>(child.internalPointer()));
    return row < 0 ? QModelIndex() : createIndex(row, 0, nullptr);
}

int TopicTreeModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_topics.size());
    if (parent.internalPointer() != nullptr || parent.column() != 0)
        return 0;
    return int(m_topics[std::size_t(parent.row())]->info.partitions.size());
}

int TopicTreeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant TopicTreeModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    if (const auto *node = static_cast<const TopicNode *>(index.internalPointer()))
        return partitionData(*node, node->info.partitions[std::size_t(index.row())], index.column(),
                             role);
    return topicData(*m_topics[std::size_t(index.row())], index.column(), role);
}

QVariant TopicTreeModel::topicData(const TopicNode &node, int column, int role) const
{
    const streams::TopicInfo &topic = node.info;
    switch (role) {
    case TopicRole:
        return topic.name;
    case PartitionRole:
        return -1;
    case InternalRole:
        return topic.internal;
    case ErrorRole:
        return topic.error;
    case Qt::ToolTipRole:
        if (!topic.error.isEmpty())
            return topic.error;
        if (column == NameColumn) {
            const int count = int(topic.partitions.size());
            const QString internal = topic.internal ? tr(", internal") : QString();
            return count == 1 ? tr("%1: 1 partition%2").arg(topic.name, internal)
                              : tr("%1: %2 partitions%3")
                                    .arg(topic.name, QString::number(count), internal);
        }
        return {};
    case Qt::TextAlignmentRole:
        if (column != NameColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case SortRole:
        switch (column) {
        case NameColumn:
            return topic.name;
        case MessagesColumn:
            return qlonglong(topic.messageCount());
        case RateColumn:
            return node.rate;
        case ReplicasColumn:
            return qlonglong(topic.partitions.size());
        default:
            return {};
        }
    case Qt::DisplayRole:
        switch (column) {
        case NameColumn:
            return topic.name;
        case MessagesColumn:
            return formatCount(topic.messageCount());
        case RateColumn:
            return formatRate(node.rate);
        case ReplicasColumn: {
            // The replication factor, as the first partition has it.
            if (topic.partitions.empty())
                return QString();
            return tr("×%1").arg(topic.partitions.front().replicas.size());
        }
        default:
            return {};
        }
    default:
        return {};
    }
}

QVariant TopicTreeModel::partitionData(const TopicNode &node,
                                       const streams::PartitionInfo &partition, int column,
                                       int role) const
{
    switch (role) {
    case TopicRole:
        return node.info.name;
    case PartitionRole:
        return partition.id;
    case InternalRole:
        return node.info.internal;
    case ErrorRole:
        return partition.error;
    case Qt::ToolTipRole:
        if (!partition.error.isEmpty())
            return partition.error;
        if (column == InSyncColumn && partition.inSyncReplicas.size() < partition.replicas.size())
            return tr("Under-replicated: %1 of %2 replicas in sync")
                .arg(partition.inSyncReplicas.size())
                .arg(partition.replicas.size());
        return {};
    case Qt::TextAlignmentRole:
        if (column != NameColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case SortRole:
        switch (column) {
        case NameColumn:
            return partition.id;
        case MessagesColumn:
            return qlonglong(partition.messageCount());
        case LeaderColumn:
            return partition.leader;
        case LowColumn:
            return qlonglong(partition.lowWatermark);
        case HighColumn:
            return qlonglong(partition.highWatermark);
        default:
            return {};
        }
    case Qt::DisplayRole:
        switch (column) {
        case NameColumn:
            return tr("partition %1").arg(partition.id);
        case MessagesColumn:
            return formatCount(partition.highWatermark < 0 ? -1 : partition.messageCount());
        case LeaderColumn:
            return partition.leader < 0 ? tr("none") : QString::number(partition.leader);
        case ReplicasColumn:
            return brokerList(partition.replicas);
        case InSyncColumn:
            return brokerList(partition.inSyncReplicas);
        case LowColumn:
            return formatCount(partition.lowWatermark);
        case HighColumn:
            return formatCount(partition.highWatermark);
        default:
            return {};
        }
    default:
        return {};
    }
}

QVariant TopicTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole && section != NameColumn)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case MessagesColumn:
            return tr("Messages the topic or partition holds now (high - low watermark)");
        case RateColumn:
            return tr("Messages per second arriving, since the previous refresh");
        case LeaderColumn:
            return tr("The broker that leads the partition");
        case ReplicasColumn:
            return tr("Brokers holding a replica (for a topic: its replication factor)");
        case InSyncColumn:
            return tr("Replicas in sync with the leader");
        case LowColumn:
            return tr("Oldest offset still held");
        case HighColumn:
            return tr("Offset the next message gets");
        default:
            return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Topic");
    case MessagesColumn:
        return tr("Messages");
    case RateColumn:
        return tr("Rate");
    case LeaderColumn:
        return tr("Leader");
    case ReplicasColumn:
        return tr("Replicas");
    case InSyncColumn:
        return tr("ISR");
    case LowColumn:
        return tr("Low");
    case HighColumn:
        return tr("High");
    default:
        return {};
    }
}

} // namespace millrace::ui
