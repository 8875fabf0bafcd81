#include "ui/panels/jobs/daglistmodel.h"

#include "ui/panels/jobs/statestyle.h"

#include <QLocale>

#include <algorithm>
#include <limits>
#include <tuple>

namespace millrace::ui {

using scheduler::DagSummary;

namespace {

// A row needs repainting when what it shows changed; the spec's fingerprint stands for the file.
bool sameSummary(const DagSummary &a, const DagSummary &b)
{
    const auto lastRunKey = [](const DagSummary &dag) {
        return dag.lastRun ? std::tuple(dag.lastRun->row, int(dag.lastRun->state))
                           : std::tuple(qint64(0), -1);
    };
    return a.spec.fingerprint == b.spec.fingerprint && a.paused == b.paused
           && a.nextRunAt == b.nextRunAt && a.activeRuns == b.activeRuns
           && lastRunKey(a) == lastRunKey(b) && a.spec.file == b.spec.file;
}

} // namespace

QString relativeFuture(const QDateTime &when, const QDateTime &now)
{
    const qint64 seconds = now.secsTo(when);
    if (seconds <= 0)
        return QStringLiteral("due");
    if (seconds < 60)
        return QStringLiteral("in %1 s").arg(seconds);
    if (seconds < 3600)
        return QStringLiteral("in %1 min").arg(seconds / 60);
    if (seconds < 2 * 86400)
        return QStringLiteral("in %1 h").arg(seconds / 3600);
    return QStringLiteral("in %1 d").arg(seconds / 86400);
}

QString shortTime(const QDateTime &when, const QDateTime &now)
{
    if (!when.isValid())
        return QString();
    const QDateTime local = when.toLocalTime();
    const QDateTime localNow = now.toLocalTime();
    if (local.date() == localNow.date())
        return local.toString(QStringLiteral("HH:mm:ss"));
    if (local.date().year() == localNow.date().year())
        return QLocale::c().toString(local, QStringLiteral("d MMM HH:mm"));
    return local.toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

DagListModel::DagListModel(QObject *parent) : KeyedTableModel(parent) {}

void DagListModel::setDags(QList<DagSummary> dags)
{
    std::sort(dags.begin(), dags.end(),
              [](const DagSummary &a, const DagSummary &b) { return a.spec.id < b.spec.id; });
    syncRows(
        m_dags, dags, [](const DagSummary &dag) { return dag.spec.id; }, sameSummary);
}

int DagListModel::rowOfDag(const QString &dagId) const
{
    for (int row = 0; row < m_dags.size(); ++row) {
        if (m_dags.at(row).spec.id == dagId)
            return row;
    }
    return -1;
}

const DagSummary *DagListModel::dagAt(int row) const
{
    return row >= 0 && row < m_dags.size() ? &m_dags.at(row) : nullptr;
}

const DagSummary *DagListModel::dag(const QString &dagId) const
{
    return dagAt(rowOfDag(dagId));
}

int DagListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_dags.size());
}

int DagListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant DagListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const DagSummary &dag = m_dags.at(index.row());
    switch (role) {
    case DagIdRole:
        return dag.spec.id;
    case PausedRole:
        return dag.paused;
    case LastRunStateRole:
        return dag.lastRun ? QVariant(int(dag.lastRun->state)) : QVariant();
    case TagsRole:
        return dag.spec.tags;
    default:
        break;
    }
    switch (index.column()) {
    case ActiveColumn:
        if (role == Qt::CheckStateRole)
            return dag.paused ? Qt::Unchecked : Qt::Checked;
        if (role == Qt::ToolTipRole)
            return dag.paused ? tr("Paused: no scheduled or event runs. Check to unpause.")
                              : tr("Active: runs are created on schedule. Uncheck to pause.");
        if (role == SortRole)
            return dag.paused ? 0 : 1;
        return {};
    case DagColumn:
        if (role == Qt::DisplayRole || role == SortRole)
            return dag.spec.id;
        if (role == Qt::ToolTipRole)
            return dag.spec.description.isEmpty()
                       ? dag.spec.file
                       : tr("%1\n%2").arg(dag.spec.description, dag.spec.file);
        return {};
    case ScheduleColumn:
        if (role == Qt::DisplayRole || role == SortRole)
            return dag.spec.schedule.describe();
        if (role == Qt::ToolTipRole) {
            // The scheduler reports the schedule that applies now, the demo one while the
            // workspace's demo speed is on.
            if (dag.spec.demoSchedule)
                return tr("%1\n(the DAG's demo_schedule is %2; it applies while the workspace's "
                          "demo speed is on)")
                    .arg(dag.spec.schedule.text(), dag.spec.demoSchedule->text());
            return dag.spec.schedule.text();
        }
        return {};
    case NextRunColumn:
        if (role == Qt::DisplayRole) {
            if (!dag.nextRunAt.isValid())
                return QString();
            return shortTime(dag.nextRunAt);
        }
        if (role == Qt::ToolTipRole && dag.nextRunAt.isValid())
            return tr("%1 (%2)%3")
                .arg(relativeFuture(dag.nextRunAt, QDateTime::currentDateTimeUtc()),
                     dag.nextRunAt.toUTC().toString(Qt::ISODate),
                     dag.paused ? tr(", once unpaused") : QString());
        if (role == SortRole)
            return dag.nextRunAt.isValid() ? dag.nextRunAt.toMSecsSinceEpoch()
                                           : std::numeric_limits<qint64>::max();
        return {};
    case LastRunColumn:
        if (!dag.lastRun)
            return {};
        if (role == Qt::DisplayRole || role == SortRole)
            return runStateText(dag.lastRun->state);
        if (role == Qt::ToolTipRole)
            return tr("%1\n%2, %3")
                .arg(dag.lastRun->runId, scheduler::toString(dag.lastRun->type),
                     dag.lastRun->logicalDate.toUTC().toString(Qt::ISODate));
        return {};
    case ActiveRunsColumn:
        if (role == Qt::DisplayRole || role == SortRole)
            return dag.activeRuns;
        if (role == Qt::TextAlignmentRole)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case TagsColumn:
        if (role == Qt::DisplayRole || role == SortRole)
            return dag.spec.tags.join(QStringLiteral(", "));
        return {};
    default:
        return {};
    }
}

bool DagListModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)
        || index.column() != ActiveColumn || role != Qt::CheckStateRole)
        return false;
    DagSummary &dag = m_dags[index.row()];
    const bool paused = value.value<Qt::CheckState>() != Qt::Checked;
    if (paused == dag.paused)
        return true;
    // Shown at once; the scheduler's next report confirms it or puts it back.
    dag.paused = paused;
    Q_EMIT dataChanged(index.siblingAtColumn(0), index.siblingAtColumn(ColumnCount - 1));
    Q_EMIT pauseRequested(dag.spec.id, paused);
    return true;
}

Qt::ItemFlags DagListModel::flags(const QModelIndex &index) const
{
    Qt::ItemFlags flags = KeyedTableModel::flags(index);
    if (index.isValid() && index.column() == ActiveColumn)
        flags |= Qt::ItemIsUserCheckable;
    return flags;
}

QVariant DagListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return {};
    if (role == Qt::ToolTipRole && section == ActiveColumn)
        return tr("Whether the DAG's scheduled runs are created (unchecked: paused)");
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case ActiveColumn:
        return tr("On");
    case DagColumn:
        return tr("DAG");
    case ScheduleColumn:
        return tr("Schedule");
    case NextRunColumn:
        return tr("Next run");
    case LastRunColumn:
        return tr("Last run");
    case ActiveRunsColumn:
        return tr("Active");
    case TagsColumn:
        return tr("Tags");
    default:
        return {};
    }
}

} // namespace millrace::ui
