#pragma once

#include <QAbstractItemModel>
#include <QHash>
#include <QPointer>
#include <QStringList>

#include <functional>
#include <memory>
#include <vector>

namespace millrace::ui {

/// The run table as a tree: over a flat, sorted model of runs (a RunSortModel over a
/// RunTableModel, or anything with the same roles), either the same flat list, or, when grouped
/// by a param, one group row per distinct value of that param with its runs as children. A
/// group row names the param and value ("(none)" for runs without the param) with its run
/// count, and aggregates each metric column over its runs (mean, min or max). Runs keep the
/// source's order within their group; groups follow the sort column: by value for the grouped
/// param, by aggregate for a metric, else by their best-placed run. Columns are the source's.
/// Reloads of the source keep rows that stay (with their selection and expansion), insert and
/// remove the rest, and reorder with a layout change.
class RunGroupModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum class Aggregate { Mean, Min, Max };

    /// On group rows: true; on run rows: false.
    static constexpr int IsGroupRole = Qt::UserRole + 20;
    /// On group rows: the ids of its runs, in the order shown; on run rows: the run's id alone.
    static constexpr int RunIdsRole = Qt::UserRole + 21;
    /// On group rows: a stable name of the group ("v:<value>", or "none" for runs without the
    /// param), to remember it across reloads; empty on run rows.
    static constexpr int GroupIdRole = Qt::UserRole + 22;

    explicit RunGroupModel(QObject *parent = nullptr);
    ~RunGroupModel() override;

    /// The flat model of runs to show, which must outlive this model or be unset first.
    void setSourceModel(QAbstractItemModel *source);
    QAbstractItemModel *sourceModel() const { return m_source; }

    /// Groups the runs by the param `paramKey` ("lr", not "params.lr"); empty shows them flat.
    /// Resets the model when the choice changes.
    void setGroupKey(const QString &paramKey);
    QString groupKey() const { return m_groupKey; }
    bool isGrouped() const { return !m_groupKey.isEmpty(); }
    /// How group rows sum up a metric column over their runs (default: mean).
    void setAggregate(Aggregate aggregate);
    Aggregate aggregate() const { return m_aggregate; }
    /// A short lower-case name of `aggregate`: "mean", "min", "max".
    static QString aggregateName(Aggregate aggregate);

    /// Whether `index` is a group row.
    bool isGroup(const QModelIndex &index) const;
    /// The row of the source model that `index` shows, or -1 for group rows.
    int sourceRow(const QModelIndex &index) const;
    /// The row showing the run with `runId` in `column`, or an invalid index.
    QModelIndex indexOfRun(const QString &runId, int column = 0) const;
    /// Brings the rows up to date with the source now. Changes of the source are gathered and
    /// applied once control returns to the event loop; call this right after changing the source
    /// to see the result at once (and to apply a whole reload in one step).
    void flush();

    QModelIndex index(int row, int column,
                      const QModelIndex &parent = QModelIndex()) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    bool hasChildren(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    /// Sorts the source by `column`, then the groups as described above.
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

private:
    struct Group
    {
        QString id;    ///< "v:<value>" or "none"
        QString value; ///< the param's value; empty for "none"
        bool hasValue = false;
        QStringList runIds;                ///< in the source's order
        int row = 0;                       ///< this group's row, kept current on every change
        QHash<QString, double> aggregates; ///< by metric key; absent when no run has a value
        QHash<QString, int> valueCounts;   ///< by metric key: runs that have a value
    };
    struct Layout;

    void sync();
    void scheduleSync();
    void rebuildSourceRows();
    Layout desiredLayout() const;
    void removeMissing(const Layout &desired);
    void reorder(const Layout &desired);
    void insertNew(const Layout &desired);
    void renumberGroups();
    void rebuildPlaces();
    void resetFromSource();
    void onSourceDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight);
    void forEachGroup(const std::function<void(const QModelIndex &)> &function);
    int sourceColumnOfKey(const QString &columnKey) const;
    QString sourceColumnKey(int column) const;
    QModelIndex groupIndex(const Group *group, int column = 0) const;
    const Group *groupOf(const QModelIndex &index) const;
    QVariant groupData(const Group &group, int column, int role) const;
    QString runIdAt(int sourceRow) const;
    QString runIdOf(const QModelIndex &index) const;

    QPointer<QAbstractItemModel> m_source;
    QList<QMetaObject::Connection> m_sourceConnections;
    QString m_groupKey;
    Aggregate m_aggregate = Aggregate::Mean;
    QString m_sortKey; ///< column key the rows are sorted by; empty when unsorted
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
    bool m_dirty = false;      ///< the source changed since the last sync
    bool m_syncQueued = false; ///< a sync is posted to the event loop

    QStringList m_flatRunIds;                     ///< ungrouped: the runs, in order
    std::vector<std::unique_ptr<Group>> m_groups; ///< grouped: the groups, in order
    QHash<QString, int> m_sourceRows;             ///< run id -> source row, of the latest sync
    struct Place
    {
        const Group *group; ///< null when ungrouped
        int row;
    };
    QHash<QString, Place> m_places; ///< run id -> where it is shown
};

} // namespace millrace::ui
