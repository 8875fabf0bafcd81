#include "ui/panels/jobs/gridmodel.h"

#include "ui/panels/experiments/keyedrows.h"
#include "ui/panels/jobs/statestyle.h"

#include <QDateTime>

namespace millrace::ui {

using scheduler::DagRunRecord;
using scheduler::TaskInstanceRecord;

namespace {

double runSeconds(const DagRunRecord &run)
{
    if (!run.startedAt.isValid())
        return 0;
    const QDateTime end = run.endedAt.isValid() ? run.endedAt : QDateTime::currentDateTimeUtc();
    return qMax<qint64>(0, run.startedAt.msecsTo(end)) / 1000.0;
}

bool sameRun(const DagRunRecord &a, const DagRunRecord &b)
{
    return a.state == b.state && a.startedAt == b.startedAt && a.endedAt == b.endedAt
           && a.runId == b.runId && a.note == b.note;
}

QString instanceToolTip(const QString &taskId, const DagRunRecord &run,
                        const TaskInstanceRecord *instance)
{
    QStringList lines{QStringLiteral("%1 in %2").arg(taskId, run.runId)};
    if (!instance) {
        lines.append(QStringLiteral("no status"));
        return lines.join(QLatin1Char('\n'));
    }
    lines.append(QStringLiteral("%1, try %2 of %3")
                     .arg(taskStateText(instance->state))
                     .arg(instance->tryNumber)
                     .arg(instance->maxTries));
    if (instance->startedAt.isValid()) {
        const QDateTime end =
            instance->endedAt.isValid() ? instance->endedAt : QDateTime::currentDateTimeUtc();
        lines.append(QStringLiteral("started %1, %2")
                         .arg(instance->startedAt.toLocalTime().toString(Qt::ISODate),
                              durationText(instance->startedAt.msecsTo(end) / 1000.0)));
    }
    if (!instance->message.isEmpty())
        lines.append(instance->message);
    return lines.join(QLatin1Char('\n'));
}

} // namespace

QString durationText(double seconds)
{
    if (seconds < 10)
        return QStringLiteral("%1 s").arg(seconds, 0, 'f', 1);
    const qint64 whole = qint64(seconds + 0.5);
    if (whole < 60)
        return QStringLiteral("%1 s").arg(whole);
    if (whole < 3600)
        return QStringLiteral("%1 min %2 s").arg(whole / 60).arg(whole % 60);
    return QStringLiteral("%1 h %2 min").arg(whole / 3600).arg((whole % 3600) / 60);
}

GridModel::GridModel(QObject *parent) : QAbstractTableModel(parent) {}

void GridModel::setGrid(const scheduler::DagSpec &dag, const GridData &grid)
{
    // The tasks: the DAG's order, then any a shown run had that the DAG no longer has.
    QStringList tasks;
    QHash<QString, QString> operators;
    for (const scheduler::TaskSpec &task : dag.tasks) {
        tasks.append(task.id);
        operators.insert(task.id, task.operatorId);
    }
    QStringList extra;
    for (const DagRunRecord &run : grid.runs) {
        for (const TaskInstanceRecord &instance : grid.instances.value(run.row)) {
            if (!operators.contains(instance.taskId) && !extra.contains(instance.taskId)) {
                extra.append(instance.taskId);
                operators.insert(instance.taskId, instance.operatorId);
            }
        }
    }
    std::sort(extra.begin(), extra.end());
    tasks.append(extra);
    m_operators = operators;

    const QModelIndex root;
    syncKeyedRows(
        m_tasks, tasks, [](const QString &task) { return task; },
        [](const QString &, const QString &) { return true; },
        KeyedRowsNotifier{
            [&](int first, int last) { beginRemoveRows(root, first, last); },
            [&] { endRemoveRows(); },
            [&](int first, int last) { beginInsertRows(root, first, last); },
            [&] { endInsertRows(); },
            [&](int from, int to) { beginMoveRows(root, from, from, root, to); },
            [&] { endMoveRows(); },
            [&](int row) { Q_EMIT headerDataChanged(Qt::Vertical, row, row); },
        });
    syncKeyedRows(
        m_runs, grid.runs, [](const DagRunRecord &run) { return run.row; }, sameRun,
        KeyedRowsNotifier{
            [&](int first, int last) { beginRemoveColumns(root, first, last); },
            [&] { endRemoveColumns(); },
            [&](int first, int last) { beginInsertColumns(root, first, last); },
            [&] { endInsertColumns(); },
            [&](int from, int to) { beginMoveColumns(root, from, from, root, to); },
            [&] { endMoveColumns(); },
            [&](int column) { Q_EMIT headerDataChanged(Qt::Horizontal, column, column); },
        });
    m_grid = grid;
    if (!m_tasks.isEmpty() && !m_runs.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_tasks.size()) - 1, int(m_runs.size()) - 1));
    if (!m_runs.isEmpty()) // running runs' durations grow
        Q_EMIT headerDataChanged(Qt::Horizontal, 0, int(m_runs.size()) - 1);
}

void GridModel::clear()
{
    beginResetModel();
    m_tasks.clear();
    m_runs.clear();
    m_operators.clear();
    m_grid = GridData();
    endResetModel();
}

int GridModel::columnOfRun(qint64 runRow) const
{
    for (int column = 0; column < m_runs.size(); ++column) {
        if (m_runs.at(column).row == runRow)
            return column;
    }
    return -1;
}

int GridModel::rowOfTask(const QString &taskId) const
{
    return int(m_tasks.indexOf(taskId));
}

const DagRunRecord *GridModel::runAt(int column) const
{
    return column >= 0 && column < m_runs.size() ? &m_runs.at(column) : nullptr;
}

QString GridModel::taskAt(int row) const
{
    return m_tasks.value(row);
}

const TaskInstanceRecord *GridModel::instanceAt(const QModelIndex &index) const
{
    if (!index.isValid() || index.model() != this)
        return nullptr;
    const DagRunRecord *run = runAt(index.column());
    return run ? m_grid.instance(run->row, taskAt(index.row())) : nullptr;
}

int GridModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_tasks.size());
}

int GridModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_runs.size());
}

QVariant GridModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const DagRunRecord &run = m_runs.at(index.column());
    const QString &taskId = m_tasks.at(index.row());
    const TaskInstanceRecord *instance = m_grid.instance(run.row, taskId);
    switch (role) {
    case TaskStateRole:
        return instance ? QVariant(int(instance->state)) : QVariant();
    case TaskIdRole:
        return taskId;
    case RunRowRole:
        return run.row;
    case Qt::ToolTipRole:
        return instanceToolTip(taskId, run, instance);
    case Qt::AccessibleTextRole:
        return QStringLiteral("%1: %2").arg(
            taskId, taskStateText(instance ? instance->state : scheduler::TaskState::None));
    default:
        return {};
    }
}

QVariant GridModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Vertical) {
        if (section < 0 || section >= m_tasks.size())
            return {};
        const QString &taskId = m_tasks.at(section);
        switch (role) {
        case Qt::DisplayRole:
        case TaskIdRole:
            return taskId;
        case OperatorRole:
            return m_operators.value(taskId);
        case Qt::ToolTipRole:
            return QStringLiteral("%1 (%2)").arg(taskId, m_operators.value(taskId));
        case Qt::TextAlignmentRole:
            return int(Qt::AlignLeft | Qt::AlignVCenter);
        default:
            return {};
        }
    }
    if (section < 0 || section >= m_runs.size())
        return {};
    const DagRunRecord &run = m_runs.at(section);
    switch (role) {
    case Qt::DisplayRole:
        return QString(); // the header draws a bar, not text
    case RunRowRole:
        return run.row;
    case RunIdRole:
        return run.runId;
    case RunStateRole:
        return int(run.state);
    case RunTypeRole:
        return int(run.type);
    case RunSecondsRole:
        return runSeconds(run);
    case Qt::ToolTipRole: {
        QStringList lines{
            run.runId,
            QStringLiteral("%1 run, %2")
                .arg(scheduler::toString(run.type), runStateText(run.state)),
            QStringLiteral("logical date %1").arg(run.logicalDate.toUTC().toString(Qt::ISODate))};
        if (run.startedAt.isValid())
            lines.append(QStringLiteral("started %1, %2")
                             .arg(run.startedAt.toLocalTime().toString(Qt::ISODate),
                                  durationText(runSeconds(run))));
        if (!run.note.isEmpty())
            lines.append(run.note);
        return lines.join(QLatin1Char('\n'));
    }
    default:
        return {};
    }
}

} // namespace millrace::ui
