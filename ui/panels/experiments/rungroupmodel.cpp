#include "ui/panels/experiments/rungroupmodel.h"

#include "ui/panels/experiments/runsortmodel.h"
#include "ui/panels/experiments/runtablemodel.h"

#include <QFont>
#include <QLocale>
#include <QSet>

#include <algorithm>
#include <cmath>
#include <limits>

namespace millrace::ui {

namespace {

const QString kNoneGroupId = QStringLiteral("none");
const QLatin1String kMetricsPrefix("metrics.");
const QLatin1String kParamsPrefix("params.");

// Param values can be thousands of characters long; a group row shows the start of the first
// line, its tooltip more.
constexpr int kMaxLabelValue = 80;
constexpr int kMaxToolTipValue = 2000;

QString elided(const QString &text, int length)
{
    QString line = text.section(QLatin1Char('\n'), 0, 0);
    if (line.size() > length || line.size() < text.size())
        line = line.left(length) + QChar(0x2026);
    return line;
}

// Sums up one metric over the runs of one group as it is read.
struct Accumulator
{
    double sum = 0;
    double min = std::numeric_limits<double>::infinity();
    double max = -std::numeric_limits<double>::infinity();
    int count = 0;

    void add(double value)
    {
        sum += value;
        min = std::min(min, value);
        max = std::max(max, value);
        ++count;
    }
};

} // namespace

struct RunGroupModel::Layout
{
    struct DesiredGroup
    {
        QString id;
        QString value;
        bool hasValue = false;
        QStringList runIds;
        QHash<QString, double> aggregates;
        QHash<QString, int> valueCounts;
    };
    QHash<QString, int> sourceRows;
    QStringList flat;
    QList<DesiredGroup> groups;
};

RunGroupModel::RunGroupModel(QObject *parent) : QAbstractItemModel(parent) {}

RunGroupModel::~RunGroupModel() = default;

void RunGroupModel::setSourceModel(QAbstractItemModel *source)
{
    beginResetModel();
    for (const QMetaObject::Connection &connection : std::as_const(m_sourceConnections))
        disconnect(connection);
    m_sourceConnections.clear();
    m_source = source;
    if (source) {
        auto structural = [this] {
            // Rows moved in the source: data() must find each run's new row at once, while the
            // rows shown catch up in one go (a reload can bring many such changes).
            rebuildSourceRows();
            scheduleSync();
        };
        m_sourceConnections = {
            connect(source, &QAbstractItemModel::rowsInserted, this, structural),
            connect(source, &QAbstractItemModel::rowsRemoved, this, structural),
            connect(source, &QAbstractItemModel::rowsMoved, this, structural),
            connect(source, &QAbstractItemModel::layoutChanged, this, structural),
            connect(source, &QAbstractItemModel::modelAboutToBeReset, this,
                    [this] { beginResetModel(); }),
            connect(source, &QAbstractItemModel::modelReset, this,
                    [this] {
                        resetFromSource();
                        endResetModel();
                    }),
            connect(source, &QAbstractItemModel::dataChanged, this,
                    &RunGroupModel::onSourceDataChanged),
            connect(source, &QAbstractItemModel::headerDataChanged, this,
                    &QAbstractItemModel::headerDataChanged),
            // Columns are the source's. QAbstractItemModel only moves the persistent indexes
            // (selections) under the parent it is told about, so the rows under each group are
            // told too, each in a begin/end pair of its own.
            connect(source, &QAbstractItemModel::columnsAboutToBeInserted, this,
                    [this](const QModelIndex &parent, int first, int last) {
                        if (!parent.isValid())
                            beginInsertColumns(QModelIndex(), first, last);
                    }),
            connect(source, &QAbstractItemModel::columnsInserted, this,
                    [this](const QModelIndex &parent, int first, int last) {
                        if (parent.isValid())
                            return;
                        endInsertColumns();
                        forEachGroup([&](const QModelIndex &group) {
                            beginInsertColumns(group, first, last);
                            endInsertColumns();
                        });
                        scheduleSync(); // a new metric has aggregates
                    }),
            connect(source, &QAbstractItemModel::columnsAboutToBeRemoved, this,
                    [this](const QModelIndex &parent, int first, int last) {
                        if (parent.isValid())
                            return;
                        forEachGroup([&](const QModelIndex &group) {
                            beginRemoveColumns(group, first, last);
                            endRemoveColumns();
                        });
                        beginRemoveColumns(QModelIndex(), first, last);
                    }),
            connect(source, &QAbstractItemModel::columnsRemoved, this,
                    [this](const QModelIndex &parent) {
                        if (parent.isValid())
                            return;
                        endRemoveColumns();
                        scheduleSync(); // the grouped param's column may be gone
                    }),
            connect(source, &QAbstractItemModel::columnsAboutToBeMoved, this,
                    [this](const QModelIndex &parent, int first, int last, const QModelIndex &,
                           int to) {
                        if (!parent.isValid())
                            beginMoveColumns(QModelIndex(), first, last, QModelIndex(), to);
                    }),
            connect(source, &QAbstractItemModel::columnsMoved, this,
                    [this](const QModelIndex &parent) {
                        if (parent.isValid())
                            return;
                        endMoveColumns();
                        scheduleSync();
                    }),
        };
    }
    resetFromSource();
    endResetModel();
}

void RunGroupModel::setGroupKey(const QString &paramKey)
{
    if (paramKey == m_groupKey)
        return;
    beginResetModel();
    m_groupKey = paramKey;
    resetFromSource();
    endResetModel();
}

void RunGroupModel::setAggregate(Aggregate aggregate)
{
    if (aggregate == m_aggregate)
        return;
    m_aggregate = aggregate;
    m_dirty = true;
    flush();
}

QString RunGroupModel::aggregateName(Aggregate aggregate)
{
    switch (aggregate) {
    case Aggregate::Mean:
        return tr("mean");
    case Aggregate::Min:
        return tr("min");
    case Aggregate::Max:
        return tr("max");
    }
    return QString();
}

void RunGroupModel::flush()
{
    if (m_dirty)
        sync();
}

void RunGroupModel::scheduleSync()
{
    m_dirty = true;
    if (m_syncQueued)
        return;
    m_syncQueued = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_syncQueued = false;
            flush();
        },
        Qt::QueuedConnection);
}

QString RunGroupModel::runIdAt(int sourceRow) const
{
    return m_source->index(sourceRow, 0).data(RunTableModel::RunIdRole).toString();
}

QString RunGroupModel::sourceColumnKey(int column) const
{
    return m_source ? m_source->headerData(column, Qt::Horizontal, RunTableModel::ColumnKeyRole)
                          .toString()
                    : QString();
}

int RunGroupModel::sourceColumnOfKey(const QString &columnKey) const
{
    if (!m_source || columnKey.isEmpty())
        return -1;
    for (int column = 0; column < m_source->columnCount(); ++column) {
        if (sourceColumnKey(column) == columnKey)
            return column;
    }
    return -1;
}

void RunGroupModel::rebuildSourceRows()
{
    m_sourceRows.clear();
    if (!m_source)
        return;
    const int rows = m_source->rowCount();
    m_sourceRows.reserve(rows);
    for (int row = 0; row < rows; ++row)
        m_sourceRows.insert(runIdAt(row), row);
}

RunGroupModel::Layout RunGroupModel::desiredLayout() const
{
    Layout layout;
    if (!m_source)
        return layout;
    const int rows = m_source->rowCount();
    layout.sourceRows.reserve(rows);
    if (!isGrouped()) {
        for (int row = 0; row < rows; ++row) {
            const QString id = runIdAt(row);
            layout.sourceRows.insert(id, row);
            layout.flat.append(id);
        }
        return layout;
    }

    const int groupColumn = sourceColumnOfKey(kParamsPrefix + m_groupKey);
    QList<QPair<int, QString>> metrics; // source column, metric key
    for (int column = 0; column < m_source->columnCount(); ++column) {
        const QString key = sourceColumnKey(column);
        if (key.startsWith(kMetricsPrefix))
            metrics.append({column, key.mid(kMetricsPrefix.size())});
    }
    QHash<QString, int> groupAt;
    QList<QList<Accumulator>> sums;
    for (int row = 0; row < rows; ++row) {
        const QString id = runIdAt(row);
        layout.sourceRows.insert(id, row);
        const QVariant value = groupColumn >= 0
                                   ? m_source->index(row, groupColumn).data(RunTableModel::SortRole)
                                   : QVariant();
        const QString groupId =
            value.isValid() ? QStringLiteral("v:") + value.toString() : kNoneGroupId;
        auto found = groupAt.constFind(groupId);
        if (found == groupAt.cend()) {
            Layout::DesiredGroup group;
            group.id = groupId;
            group.hasValue = value.isValid();
            group.value = value.toString();
            found = groupAt.insert(groupId, int(layout.groups.size()));
            layout.groups.append(group);
            sums.append(QList<Accumulator>(metrics.size()));
        }
        layout.groups[*found].runIds.append(id);
        QList<Accumulator> &groupSums = sums[*found];
        for (qsizetype m = 0; m < metrics.size(); ++m) {
            const QVariant metric =
                m_source->index(row, metrics.at(m).first).data(RunTableModel::SortRole);
            // NaN says nothing about the group; a group of NaN-only runs shows no aggregate.
            if (metric.isValid() && !std::isnan(metric.toDouble()))
                groupSums[m].add(metric.toDouble());
        }
    }
    for (qsizetype g = 0; g < layout.groups.size(); ++g) {
        Layout::DesiredGroup &group = layout.groups[g];
        for (qsizetype m = 0; m < metrics.size(); ++m) {
            const Accumulator &sum = sums.at(g).at(m);
            if (sum.count == 0)
                continue;
            const double value = m_aggregate == Aggregate::Min   ? sum.min
                                 : m_aggregate == Aggregate::Max ? sum.max
                                                                 : sum.sum / sum.count;
            group.aggregates.insert(metrics.at(m).second, value);
            group.valueCounts.insert(metrics.at(m).second, sum.count);
        }
    }

    // Groups came in the order of their best-placed run, which is the order for columns that
    // have no group value. The grouped param sorts by value, metrics by aggregate; both leave
    // missing values last, as the runs do.
    const bool byValue = m_sortKey == kParamsPrefix + m_groupKey;
    const bool byAggregate = m_sortKey.startsWith(kMetricsPrefix);
    if (byValue || byAggregate) {
        const QString metric = m_sortKey.mid(kMetricsPrefix.size());
        auto sortValue = [&](const Layout::DesiredGroup &group) -> QVariant {
            if (byValue)
                return group.hasValue ? QVariant(group.value) : QVariant();
            const auto found = group.aggregates.constFind(metric);
            return found == group.aggregates.cend() ? QVariant() : QVariant(*found);
        };
        const Qt::SortOrder order = m_sortOrder;
        std::stable_sort(layout.groups.begin(), layout.groups.end(),
                         [&](const Layout::DesiredGroup &a, const Layout::DesiredGroup &b) {
                             const QVariant x = sortValue(a);
                             const QVariant y = sortValue(b);
                             // As QSortFilterProxyModel asks: descending is "b before a".
                             return order == Qt::AscendingOrder
                                        ? RunSortModel::lessThanValues(x, y, order)
                                        : RunSortModel::lessThanValues(y, x, order);
                         });
    }
    return layout;
}

void RunGroupModel::resetFromSource()
{
    Layout layout = desiredLayout();
    m_dirty = false;
    m_sourceRows = layout.sourceRows;
    m_flatRunIds = layout.flat;
    m_groups.clear();
    for (const Layout::DesiredGroup &desired : std::as_const(layout.groups)) {
        auto group = std::make_unique<Group>();
        group->id = desired.id;
        group->value = desired.value;
        group->hasValue = desired.hasValue;
        group->runIds = desired.runIds;
        group->aggregates = desired.aggregates;
        group->valueCounts = desired.valueCounts;
        m_groups.push_back(std::move(group));
    }
    renumberGroups();
    rebuildPlaces();
}

void RunGroupModel::renumberGroups()
{
    for (int row = 0; row < int(m_groups.size()); ++row)
        m_groups[row]->row = row;
}

void RunGroupModel::rebuildPlaces()
{
    m_places.clear();
    if (!isGrouped()) {
        for (int row = 0; row < int(m_flatRunIds.size()); ++row)
            m_places.insert(m_flatRunIds.at(row), Place{nullptr, row});
        return;
    }
    for (const auto &group : m_groups) {
        for (int row = 0; row < int(group->runIds.size()); ++row)
            m_places.insert(group->runIds.at(row), Place{group.get(), row});
    }
}

void RunGroupModel::sync()
{
    m_dirty = false;
    const Layout desired = desiredLayout();
    m_sourceRows = desired.sourceRows;
    QHash<const Group *, qsizetype> shownCounts;
    for (const auto &group : m_groups)
        shownCounts.insert(group.get(), group->runIds.size());
    // Removals, then a reorder of what stays, then insertions in place: views keep selection,
    // current row and expansion of every row that stays, and a re-sort costs one layout change
    // instead of a move per row.
    removeMissing(desired);
    reorder(desired);
    insertNew(desired);

    if (isGrouped()) {
        const int lastColumn = columnCount() - 1;
        for (qsizetype g = 0; g < desired.groups.size(); ++g) {
            Group &group = *m_groups[g];
            const Layout::DesiredGroup &wanted = desired.groups.at(g);
            Q_ASSERT(group.id == wanted.id);
            // The label counts the runs; metric cells aggregate them.
            const bool changed = group.aggregates != wanted.aggregates
                                 || group.valueCounts != wanted.valueCounts
                                 || shownCounts.value(&group, -1) != group.runIds.size();
            group.aggregates = wanted.aggregates;
            group.valueCounts = wanted.valueCounts;
            if (changed && lastColumn >= 0)
                Q_EMIT dataChanged(groupIndex(&group, 0), groupIndex(&group, lastColumn));
        }
    }
    rebuildPlaces();
}

void RunGroupModel::removeMissing(const Layout &desired)
{
    // Removes the rows that `keep` refuses, a contiguous block at a time, bottom up; `remove`
    // takes them out of the list between the begin and end signals.
    auto removeBlocks = [this](int count, const std::function<bool(int)> &keep,
                               const QModelIndex &parent,
                               const std::function<void(int, int)> &remove) {
        for (int last = count - 1; last >= 0;) {
            if (keep(last)) {
                --last;
                continue;
            }
            int first = last;
            while (first > 0 && !keep(first - 1))
                --first;
            beginRemoveRows(parent, first, last);
            remove(first, last);
            endRemoveRows();
            last = first - 1;
        }
    };

    if (!isGrouped()) {
        const QSet<QString> keep(desired.flat.cbegin(), desired.flat.cend());
        removeBlocks(
            int(m_flatRunIds.size()), [&](int row) { return keep.contains(m_flatRunIds.at(row)); },
            QModelIndex(),
            [&](int first, int last) { m_flatRunIds.remove(first, last - first + 1); });
        return;
    }

    QHash<QString, const Layout::DesiredGroup *> wanted;
    for (const Layout::DesiredGroup &group : desired.groups)
        wanted.insert(group.id, &group);
    removeBlocks(
        int(m_groups.size()), [&](int row) { return wanted.contains(m_groups[row]->id); },
        QModelIndex(),
        [&](int first, int last) {
            m_groups.erase(m_groups.begin() + first, m_groups.begin() + last + 1);
            renumberGroups();
        });
    for (const auto &group : m_groups) {
        const QStringList &runIds = wanted.value(group->id)->runIds;
        const QSet<QString> keep(runIds.cbegin(), runIds.cend());
        removeBlocks(
            int(group->runIds.size()),
            [&](int row) { return keep.contains(group->runIds.at(row)); }, groupIndex(group.get()),
            [&](int first, int last) { group->runIds.remove(first, last - first + 1); });
    }
}

void RunGroupModel::reorder(const Layout &desired)
{
    // The wanted order of what is shown now (everything shown is wanted after removeMissing).
    auto present = [](const QStringList &wanted, const QStringList &shown) {
        const QSet<QString> here(shown.cbegin(), shown.cend());
        QStringList order;
        order.reserve(shown.size());
        for (const QString &id : wanted) {
            if (here.contains(id))
                order.append(id);
        }
        return order;
    };

    QStringList flatOrder;
    QList<int> groupRows; // the rows of the groups shown, in the wanted order
    QHash<const Group *, QStringList> runOrder;
    bool same = true;
    if (!isGrouped()) {
        flatOrder = present(desired.flat, m_flatRunIds);
        same = flatOrder == m_flatRunIds;
    } else {
        QHash<QString, int> shownAt;
        for (int row = 0; row < int(m_groups.size()); ++row)
            shownAt.insert(m_groups[row]->id, row);
        for (const Layout::DesiredGroup &group : desired.groups) {
            const auto found = shownAt.constFind(group.id);
            if (found == shownAt.cend())
                continue;
            if (*found != int(groupRows.size()))
                same = false;
            groupRows.append(*found);
            const Group *shown = m_groups[*found].get();
            const QStringList order = present(group.runIds, shown->runIds);
            if (order != shown->runIds)
                same = false;
            runOrder.insert(shown, order);
        }
    }
    if (same)
        return;

    Q_EMIT layoutAboutToBeChanged();
    // What each persistent index points at, a group or a run, to find it again afterwards.
    struct Target
    {
        const Group *group; ///< the group row; null for runs
        QString runId;      ///< empty for group rows
        int column;
    };
    const QModelIndexList before = persistentIndexList();
    QList<Target> targets;
    targets.reserve(before.size());
    for (const QModelIndex &index : before) {
        if (isGroup(index))
            targets.append({m_groups.at(index.row()).get(), QString(), index.column()});
        else
            targets.append({nullptr, runIdOf(index), index.column()});
    }
    if (!isGrouped()) {
        m_flatRunIds = flatOrder;
    } else {
        std::vector<std::unique_ptr<Group>> groups;
        groups.reserve(m_groups.size());
        for (int row : std::as_const(groupRows))
            groups.push_back(std::move(m_groups[row]));
        m_groups = std::move(groups);
        renumberGroups();
        for (const auto &group : m_groups)
            group->runIds = runOrder.value(group.get());
    }
    rebuildPlaces();
    QModelIndexList after;
    after.reserve(before.size());
    for (const Target &target : std::as_const(targets)) {
        if (target.group) {
            after.append(groupIndex(target.group, target.column));
            continue;
        }
        // A run stays in its group here: only removals and insertions move runs between them.
        after.append(indexOfRun(target.runId, target.column));
    }
    changePersistentIndexList(before, after);
    Q_EMIT layoutChanged();
}

void RunGroupModel::insertNew(const Layout &desired)
{
    // Inserts the wanted keys that are not shown yet, in blocks at their wanted rows; what is
    // shown already has the wanted relative order.
    auto insertBlocks = [this](const QStringList &wanted, QStringList &shown,
                               const QModelIndex &parent) {
        const QSet<QString> here(shown.cbegin(), shown.cend());
        for (int i = 0; i < int(wanted.size());) {
            if (here.contains(wanted.at(i))) {
                Q_ASSERT(shown.at(i) == wanted.at(i));
                ++i;
                continue;
            }
            int end = i + 1;
            while (end < int(wanted.size()) && !here.contains(wanted.at(end)))
                ++end;
            beginInsertRows(parent, i, end - 1);
            for (int k = i; k < end; ++k)
                shown.insert(k, wanted.at(k));
            endInsertRows();
            i = end;
        }
    };

    if (!isGrouped()) {
        insertBlocks(desired.flat, m_flatRunIds, QModelIndex());
        return;
    }

    QSet<QString> shownGroups;
    for (const auto &group : m_groups)
        shownGroups.insert(group->id);
    QSet<const Group *> added;
    for (int i = 0; i < int(desired.groups.size());) {
        if (shownGroups.contains(desired.groups.at(i).id)) {
            ++i;
            continue;
        }
        int end = i + 1;
        while (end < int(desired.groups.size()) && !shownGroups.contains(desired.groups.at(end).id))
            ++end;
        beginInsertRows(QModelIndex(), i, end - 1);
        for (int k = i; k < end; ++k) {
            const Layout::DesiredGroup &wanted = desired.groups.at(k);
            auto group = std::make_unique<Group>();
            group->id = wanted.id;
            group->value = wanted.value;
            group->hasValue = wanted.hasValue;
            group->runIds = wanted.runIds;
            group->aggregates = wanted.aggregates;
            group->valueCounts = wanted.valueCounts;
            added.insert(group.get());
            m_groups.insert(m_groups.begin() + k, std::move(group));
        }
        renumberGroups();
        endInsertRows();
        i = end;
    }
    for (qsizetype g = 0; g < desired.groups.size(); ++g) {
        Group *group = m_groups[g].get();
        if (!added.contains(group))
            insertBlocks(desired.groups.at(g).runIds, group->runIds, groupIndex(group));
    }
}

void RunGroupModel::onSourceDataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight)
{
    if (!topLeft.isValid() || topLeft.parent().isValid())
        return;
    const int left = topLeft.column();
    const int right = bottomRight.column();
    if (!isGrouped() && !m_dirty) {
        // Shown in the source's order: the same rows.
        Q_EMIT dataChanged(index(topLeft.row(), left), index(bottomRight.row(), right));
        return;
    }
    for (int row = topLeft.row(); row <= bottomRight.row(); ++row) {
        const QModelIndex shown = indexOfRun(runIdAt(row), left);
        if (shown.isValid())
            Q_EMIT dataChanged(shown, shown.siblingAtColumn(right));
    }
    if (!isGrouped())
        return;
    // Group rows follow the grouped param and the metrics.
    for (int column = left; column <= right; ++column) {
        const QString key = sourceColumnKey(column);
        if (key.startsWith(kMetricsPrefix) || key == kParamsPrefix + m_groupKey) {
            scheduleSync();
            return;
        }
    }
}

void RunGroupModel::forEachGroup(const std::function<void(const QModelIndex &)> &function)
{
    if (!isGrouped())
        return;
    for (const auto &group : m_groups)
        function(groupIndex(group.get()));
}

QModelIndex RunGroupModel::groupIndex(const Group *group, int column) const
{
    return createIndex(group->row, column, nullptr);
}

const RunGroupModel::Group *RunGroupModel::groupOf(const QModelIndex &index) const
{
    return static_cast<const Group *>(index.internalPointer());
}

QString RunGroupModel::runIdOf(const QModelIndex &index) const
{
    if (!index.isValid())
        return QString();
    if (const Group *group = groupOf(index))
        return group->runIds.value(index.row());
    return isGrouped() ? QString() : m_flatRunIds.value(index.row());
}

bool RunGroupModel::isGroup(const QModelIndex &index) const
{
    return index.isValid() && index.model() == this && isGrouped() && !index.internalPointer();
}

int RunGroupModel::sourceRow(const QModelIndex &index) const
{
    if (isGroup(index))
        return -1;
    return m_sourceRows.value(runIdOf(index), -1);
}

QModelIndex RunGroupModel::indexOfRun(const QString &runId, int column) const
{
    const auto place = m_places.constFind(runId);
    if (place == m_places.cend() || column < 0 || column >= columnCount())
        return QModelIndex();
    return createIndex(place->row, column, const_cast<Group *>(place->group));
}

QModelIndex RunGroupModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= columnCount(parent) || row >= rowCount(parent))
        return QModelIndex();
    if (!parent.isValid())
        return createIndex(row, column, nullptr);
    return createIndex(row, column, m_groups.at(parent.row()).get());
}

QModelIndex RunGroupModel::parent(const QModelIndex &child) const
{
    const Group *group = child.isValid() ? groupOf(child) : nullptr;
    return group ? groupIndex(group) : QModelIndex();
}

int RunGroupModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return isGrouped() ? int(m_groups.size()) : int(m_flatRunIds.size());
    // Only a group's first column has children, like any tree.
    if (isGroup(parent) && parent.column() == 0)
        return int(m_groups.at(parent.row())->runIds.size());
    return 0;
}

int RunGroupModel::columnCount(const QModelIndex &parent) const
{
    if (!m_source || (parent.isValid() && !isGroup(parent)))
        return 0;
    return m_source->columnCount();
}

bool RunGroupModel::hasChildren(const QModelIndex &parent) const
{
    return rowCount(parent) > 0;
}

Qt::ItemFlags RunGroupModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    if (isGroup(index))
        return Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemNeverHasChildren;
}

QVariant RunGroupModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    return m_source ? m_source->headerData(section, orientation, role) : QVariant();
}

QVariant RunGroupModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid) || !m_source)
        return {};
    if (isGroup(index))
        return groupData(*m_groups.at(index.row()), index.column(), role);
    const QString runId = runIdOf(index);
    switch (role) {
    case IsGroupRole:
        return false;
    case RunIdsRole:
        return QStringList{runId};
    case GroupIdRole:
        return QString();
    }
    const int row = m_sourceRows.value(runId, -1);
    if (row < 0)
        return {};
    return m_source->index(row, index.column()).data(role);
}

QVariant RunGroupModel::groupData(const Group &group, int column, int role) const
{
    const QString key = sourceColumnKey(column);
    const int count = int(group.runIds.size());
    const QString value = group.hasValue ? group.value : tr("(none)");
    switch (role) {
    case IsGroupRole:
        return true;
    case RunIdsRole:
        return group.runIds;
    case GroupIdRole:
        return group.id;
    case Qt::FontRole: {
        QFont font;
        font.setBold(true);
        return font;
    }
    case Qt::TextAlignmentRole:
        return m_source->headerData(column, Qt::Horizontal, Qt::TextAlignmentRole);
    }
    const QString runs = count == 1 ? tr("1 run") : tr("%1 runs").arg(count);
    if (column == RunTableModel::NameColumn) {
        if (role == Qt::DisplayRole)
            return QStringLiteral("%1 = %2 · %3")
                .arg(m_groupKey, elided(value, kMaxLabelValue), runs);
        if (role == Qt::ToolTipRole)
            return tr("%1 with %2 = %3\nMetric columns show the %4 over these runs.")
                .arg(runs, m_groupKey, elided(value, kMaxToolTipValue), aggregateName(m_aggregate));
        return {};
    }
    if (key == kParamsPrefix + m_groupKey) {
        if (role == Qt::DisplayRole)
            return elided(value, kMaxLabelValue);
        if (role == RunTableModel::SortRole)
            return group.hasValue ? QVariant(group.value) : QVariant();
        return {};
    }
    if (key.startsWith(kMetricsPrefix)) {
        const QString metric = key.mid(kMetricsPrefix.size());
        const auto found = group.aggregates.constFind(metric);
        if (found == group.aggregates.cend())
            return {};
        switch (role) {
        case Qt::DisplayRole:
            return RunTableModel::metricText(*found);
        case RunTableModel::SortRole:
            return *found;
        case Qt::ToolTipRole: {
            const int withValue = group.valueCounts.value(metric);
            const QString exact = QString::number(*found, 'g', QLocale::FloatingPointShortest);
            if (withValue == count)
                return tr("%1 of %2 over %3: %4")
                    .arg(aggregateName(m_aggregate), metric, runs, exact);
            return tr("%1 of %2 over the %3 of %4 runs that have it: %5")
                .arg(aggregateName(m_aggregate), metric, QString::number(withValue),
                     QString::number(count), exact);
        }
        }
    }
    return {};
}

void RunGroupModel::sort(int column, Qt::SortOrder order)
{
    m_sortKey = sourceColumnKey(column);
    m_sortOrder = order;
    if (m_source)
        m_source->sort(column, order);
    // The groups follow the new column even when the runs kept their order.
    m_dirty = true;
    flush();
}

} // namespace millrace::ui
