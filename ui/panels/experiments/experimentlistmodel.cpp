#include "ui/panels/experiments/experimentlistmodel.h"

#include "ui/panels/experiments/keyedrows.h"

#include <QDateTime>
#include <QFont>

namespace millrace::ui {

namespace {

bool sameEntry(const ExperimentEntry &a, const ExperimentEntry &b)
{
    return a.experiment.id == b.experiment.id && a.experiment.name == b.experiment.name
           && a.experiment.lifecycleStage == b.experiment.lifecycleStage
           && a.experiment.artifactLocation == b.experiment.artifactLocation
           && a.experiment.creationTime == b.experiment.creationTime
           && a.experiment.lastUpdateTime == b.experiment.lastUpdateTime
           && a.experiment.tags == b.experiment.tags && a.runCount == b.runCount
           && a.lastRunStart == b.lastRunStart;
}

QString timeText(qint64 msSinceEpoch)
{
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch)
        .toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

} // namespace

ExperimentListModel::ExperimentListModel(QObject *parent) : KeyedTableModel(parent) {}

void ExperimentListModel::setExperiments(const QList<ExperimentEntry> &entries)
{
    syncRows(
        m_entries, entries, [](const ExperimentEntry &e) { return e.experiment.id; }, sameEntry);
}

int ExperimentListModel::rowOfExperiment(const QString &id) const
{
    for (int row = 0; row < int(m_entries.size()); ++row) {
        if (m_entries.at(row).experiment.id == id)
            return row;
    }
    return -1;
}

QString ExperimentListModel::suggestedExperimentId() const
{
    const ExperimentEntry *newest = nullptr;
    for (const ExperimentEntry &entry : m_entries) {
        if (entry.experiment.lifecycleStage != tracking::LifecycleStage::Active
            || !entry.lastRunStart)
            continue;
        if (!newest || *entry.lastRunStart > *newest->lastRunStart)
            newest = &entry;
    }
    if (newest)
        return newest->experiment.id;
    return m_entries.isEmpty() ? QString() : m_entries.constFirst().experiment.id;
}

int ExperimentListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int ExperimentListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ExperimentListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ExperimentEntry &entry = m_entries.at(index.row());
    const bool deleted = entry.experiment.lifecycleStage == tracking::LifecycleStage::Deleted;
    switch (role) {
    case Qt::DisplayRole:
        if (index.column() == NameColumn)
            return entry.experiment.name;
        return entry.runCount;
    case ExperimentIdRole:
        return entry.experiment.id;
    case Qt::ToolTipRole: {
        QStringList lines{tr("%1 (id %2)").arg(entry.experiment.name, entry.experiment.id)};
        if (deleted)
            lines << tr("Deleted: its runs are kept and it can be restored.");
        lines << (entry.runCount == 1 ? tr("1 active run")
                                      : tr("%1 active runs").arg(entry.runCount));
        if (entry.lastRunStart)
            lines << tr("Newest run started %1").arg(timeText(*entry.lastRunStart));
        if (!entry.experiment.artifactLocation.isEmpty())
            lines << tr("Artifacts: %1").arg(entry.experiment.artifactLocation);
        return lines.join(QLatin1Char('\n'));
    }
    case Qt::FontRole:
        if (deleted) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == RunCountColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    return {};
}

QVariant ExperimentListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        if (section == NameColumn)
            return tr("Experiment");
        if (section == RunCountColumn)
            return tr("Runs");
    }
    if (role == Qt::ToolTipRole && section == RunCountColumn)
        return tr("Active runs in the experiment");
    if (role == Qt::TextAlignmentRole && section == RunCountColumn)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

} // namespace millrace::ui
