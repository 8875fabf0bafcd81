#pragma once

#include "core/streams/clusterclient.h"

#include <QAbstractItemModel>

#include <map>
#include <memory>
#include <vector>

namespace millrace::ui {

/// The topics of a cluster as a tree for the Streams panel: one row per topic (messages held,
/// messages per second) with its partitions below (leader, replicas, in-sync replicas, low and
/// high watermarks). setTopics() updates rows in place, so expanded topics, the selection and
/// the scroll position survive every refresh.
class TopicTreeModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column {
        NameColumn,
        MessagesColumn,
        RateColumn,
        LeaderColumn,
        ReplicasColumn,
        InSyncColumn,
        LowColumn,
        HighColumn,
        ColumnCount
    };
    enum Role {
        /// The topic's name, on topic and partition rows.
        TopicRole = Qt::UserRole + 1,
        /// The partition id on partition rows, -1 on topic rows.
        PartitionRole,
        /// Whether the topic is internal (__consumer_offsets, ...).
        InternalRole,
        /// A number to sort the column by (the display text of Name).
        SortRole,
        /// Why the topic's or partition's metadata is missing; empty when it is not.
        ErrorRole,
    };

    explicit TopicTreeModel(QObject *parent = nullptr);
    ~TopicTreeModel() override;

    /// Shows `topics` (any order; shown by name) with their messages per second from `rates`.
    void setTopics(const std::vector<streams::TopicInfo> &topics,
                   const std::map<QString, double> &rates);
    /// Shows no topic.
    void clear();

    /// The row of topic `name` (a top-level index), or an invalid index.
    QModelIndex indexOfTopic(const QString &name) const;
    /// The topic at a topic or partition row, or null.
    const streams::TopicInfo *topicAt(const QModelIndex &index) const;
    /// Every topic shown, by name.
    QStringList topicNames(bool withInternal = false) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct TopicNode
    {
        streams::TopicInfo info;
        double rate = 0;
    };
    int rowOf(const TopicNode *node) const;
    void updateTopic(int row, streams::TopicInfo info, double rate);
    QVariant topicData(const TopicNode &node, int column, int role) const;
    QVariant partitionData(const TopicNode &node, const streams::PartitionInfo &partition,
                           int column, int role) const;

    /// Sorted by name. Partition rows point at their topic's node, which keeps its address while
    /// rows come and go around it.
    std::vector<std::unique_ptr<TopicNode>> m_topics;
};

/// Thousands-separated message count, "—" when unknown (negative).
QString formatCount(std::int64_t count);
/// "12.5/s", "0/s", "1,200/s".
QString formatRate(double perSecond);

} // namespace millrace::ui
