#pragma once

#include "core/streams/clusterclient.h"

#include <QAbstractItemModel>

#include <memory>
#include <vector>

namespace millrace::ui {

/// Consumer groups as a tree for the Streams panel: one row per group (its state and total lag)
/// with the partitions it consumes below (committed offset, end of the partition, lag).
/// setGroups() updates rows in place, so expanded groups stay expanded across refreshes.
class GroupLagModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column { NameColumn, StateColumn, CommittedColumn, EndColumn, LagColumn, ColumnCount };
    enum Role {
        /// The group id, on group and partition rows.
        GroupRole = Qt::UserRole + 1,
        /// The topic on partition rows, empty on group rows.
        TopicRole,
        /// The partition on partition rows, -1 on group rows.
        PartitionRole,
        /// The lag as a number (a group's: the sum over its partitions).
        LagRole,
    };

    explicit GroupLagModel(QObject *parent = nullptr);
    ~GroupLagModel() override;

    /// Shows `groups` (by id) with the partitions `lag` lists for each; a group that only
    /// appears in `lag` is shown too.
    void setGroups(const std::vector<streams::ConsumerGroupInfo> &groups,
                   const std::vector<streams::GroupPartitionLag> &lag);
    /// Shows no group.
    void clear();

    /// The row of group `id`, or an invalid index.
    QModelIndex indexOfGroup(const QString &id) const;
    /// The sum of the lag of group `id`'s partitions, 0 when unknown.
    std::int64_t totalLag(const QString &id) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct GroupNode
    {
        streams::ConsumerGroupInfo info;
        /// By topic, then partition.
        std::vector<streams::GroupPartitionLag> partitions;
        std::int64_t totalLag() const;
    };
    int rowOf(const GroupNode *node) const;
    void updateGroup(int row, GroupNode next);
    QVariant groupData(const GroupNode &node, int column, int role) const;
    QVariant partitionData(const streams::GroupPartitionLag &entry, int column, int role) const;

    /// Sorted by id; partition rows point at their group's node.
    std::vector<std::unique_ptr<GroupNode>> m_groups;
};

} // namespace millrace::ui
