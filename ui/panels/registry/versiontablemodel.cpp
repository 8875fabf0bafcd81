#include "ui/panels/registry/versiontablemodel.h"

#include "ui/panels/experiments/runtablemodel.h"

#include <QColor>
#include <QDateTime>
#include <QLocale>
#include <QSet>

namespace millrace::ui {

namespace {

std::optional<double> latestValue(const tracking::Run &run, const QString &key)
{
    for (const tracking::MetricPoint &point : run.latestMetrics) {
        if (point.key == key)
            return point.value;
    }
    return std::nullopt;
}

} // namespace

void VersionTableModel::setVersions(const QList<registry::ModelVersion> &versions,
                                    const QHash<QString, tracking::Run> &runs)
{
    // The same versions (a poll after a stage or alias change): update the cells in place, so
    // the selection, the current row and the scroll position stay.
    bool sameRows = versions.size() == m_versions.size();
    for (int row = 0; sameRows && row < versions.size(); ++row)
        sameRows = versions.at(row).version == m_versions.at(row).version;
    if (sameRows) {
        m_versions = versions;
        m_runs = runs;
        if (!m_versions.isEmpty())
            Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
        return;
    }
    beginResetModel();
    m_versions = versions;
    m_runs = runs;
    endResetModel();
}

void VersionTableModel::setMetricKeys(const QStringList &keys)
{
    if (keys == m_metricKeys)
        return;
    if (!m_metricKeys.isEmpty()) {
        beginRemoveColumns({}, FixedColumnCount, FixedColumnCount + int(m_metricKeys.size()) - 1);
        m_metricKeys.clear();
        endRemoveColumns();
    }
    if (!keys.isEmpty()) {
        beginInsertColumns({}, FixedColumnCount, FixedColumnCount + int(keys.size()) - 1);
        m_metricKeys = keys;
        endInsertColumns();
    }
}

QStringList VersionTableModel::availableMetricKeys() const
{
    QSet<QString> keys;
    for (const registry::ModelVersion &version : m_versions) {
        const auto run = m_runs.constFind(version.runId);
        if (run == m_runs.constEnd())
            continue;
        for (const tracking::MetricPoint &point : run->latestMetrics)
            keys.insert(point.key);
    }
    QStringList sorted(keys.cbegin(), keys.cend());
    sorted.sort(Qt::CaseInsensitive);
    return sorted;
}

int VersionTableModel::rowOfVersion(qint64 version) const
{
    for (int row = 0; row < m_versions.size(); ++row) {
        if (m_versions.at(row).version == version)
            return row;
    }
    return -1;
}

const tracking::Run *VersionTableModel::runAt(int row) const
{
    const auto run = m_runs.constFind(m_versions.at(row).runId);
    return run == m_runs.constEnd() ? nullptr : &run.value();
}

QString VersionTableModel::stageText(registry::Stage stage)
{
    return registry::toString(stage);
}

QString VersionTableModel::statusText(registry::VersionStatus status)
{
    switch (status) {
    case registry::VersionStatus::Ready:
        return tr("Ready");
    case registry::VersionStatus::Failed:
        return tr("Failed");
    case registry::VersionStatus::Pending:
        return tr("Registering…");
    }
    return QString();
}

QColor VersionTableModel::statusColour(registry::VersionStatus status)
{
    switch (status) {
    case registry::VersionStatus::Ready:
        return QColor(0x43, 0xa0, 0x47);
    case registry::VersionStatus::Failed:
        return QColor(0xe5, 0x39, 0x35);
    case registry::VersionStatus::Pending:
        return QColor(0x1e, 0x88, 0xe5);
    }
    return QColor(Qt::gray);
}

QString VersionTableModel::timeText(qint64 msSinceEpoch)
{
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch)
        .toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

int VersionTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_versions.size());
}

int VersionTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : FixedColumnCount + int(m_metricKeys.size());
}

QVariant VersionTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const registry::ModelVersion &version = m_versions.at(index.row());
    switch (role) {
    case VersionRole:
        return version.version;
    case StageRole:
        return int(version.stage);
    case AliasesRole:
        return version.aliases;
    case StatusRole:
        return int(version.status);
    case RunIdRole:
        return version.runId;
    case LinkRole:
        return index.column() == SourceRunColumn && runAt(index.row()) != nullptr;
    default:
        break;
    }
    if (index.column() >= FixedColumnCount)
        return metricData(index.row(), m_metricKeys.at(index.column() - FixedColumnCount), role);
    return fixedData(index.row(), index.column(), role);
}

QVariant VersionTableModel::fixedData(int row, int column, int role) const
{
    const registry::ModelVersion &version = m_versions.at(row);
    const tracking::Run *run = runAt(row);
    if (role == Qt::DisplayRole) {
        switch (column) {
        case VersionColumn:
            return QStringLiteral("v%1").arg(version.version);
        case StageColumn:
            return stageText(version.stage);
        case AliasesColumn:
            return version.aliases.join(QStringLiteral(", "));
        case StatusColumn:
            return statusText(version.status);
        case CreatedColumn:
            return timeText(version.creationTime);
        case SourceRunColumn:
            if (run)
                return run->info.runName.isEmpty() ? run->info.runId : run->info.runName;
            if (version.runId.isEmpty())
                return tr("—");
            return tr("%1 (deleted)").arg(version.runId.left(8));
        }
    } else if (role == Qt::ToolTipRole) {
        switch (column) {
        case VersionColumn: {
            QStringList lines{tr("Version %1").arg(version.version)};
            if (!version.description.isEmpty())
                lines << version.description;
            lines << tr("Source: %1").arg(version.source);
            if (!version.directory.isEmpty())
                lines << tr("Files: %1").arg(version.directory);
            return lines.join(QLatin1Char('\n'));
        }
        case StatusColumn:
            if (!version.statusMessage.isEmpty())
                return version.statusMessage;
            return registry::toString(version.status);
        case AliasesColumn:
            if (version.aliases.isEmpty())
                return {};
            return tr("Load it as models:/%1@%2").arg(version.name, version.aliases.constFirst());
        case CreatedColumn:
            return QDateTime::fromMSecsSinceEpoch(version.creationTime).toString(Qt::ISODate);
        case SourceRunColumn:
            if (run)
                return tr("Open the run in the Experiments panel\n%1").arg(run->info.runId);
            if (!version.runId.isEmpty())
                return tr("The run %1 no longer exists").arg(version.runId);
            return {};
        }
    } else if (role == Qt::TextAlignmentRole) {
        if (column == VersionColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant VersionTableModel::metricData(int row, const QString &key, int role) const
{
    const tracking::Run *run = runAt(row);
    const std::optional<double> value = run ? latestValue(*run, key) : std::nullopt;
    switch (role) {
    case Qt::DisplayRole:
        return value ? QVariant(RunTableModel::metricText(*value)) : QVariant();
    case Qt::ToolTipRole:
        if (!value)
            return {};
        return tr("%1 = %2 (latest value of the source run)")
            .arg(key, QString::number(*value, 'g', QLocale::FloatingPointShortest));
    case Qt::TextAlignmentRole:
        return int(Qt::AlignRight | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant VersionTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole && (section == VersionColumn || section >= FixedColumnCount))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case VersionColumn:
        return tr("Version");
    case StageColumn:
        return tr("Stage");
    case AliasesColumn:
        return tr("Aliases");
    case StatusColumn:
        return tr("Status");
    case CreatedColumn:
        return tr("Created");
    case SourceRunColumn:
        return tr("Source run");
    default:
        return m_metricKeys.value(section - FixedColumnCount);
    }
}

} // namespace millrace::ui
