#include "ui/panels/experiments/runtablemodel.h"

#include "ui/panels/experiments/keyedrows.h"

#include <QColor>
#include <QDateTime>
#include <QFont>
#include <QGuiApplication>
#include <QHash>
#include <QIcon>
#include <QLocale>
#include <QPainter>
#include <QPixmap>
#include <QThreadPool>

#include <algorithm>
#include <cmath>

namespace millrace::ui {

using tracking::Run;
using tracking::RunStatus;

namespace {

// Param values can be 6000 characters long; the table shows the start, the tooltip more.
constexpr int kMaxCellText = 200;
constexpr int kMaxToolTipText = 2000;

bool sameMetrics(const QList<tracking::MetricPoint> &a, const QList<tracking::MetricPoint> &b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        const tracking::MetricPoint &x = a.at(i);
        const tracking::MetricPoint &y = b.at(i);
        const bool sameValue = x.value == y.value || (std::isnan(x.value) && std::isnan(y.value));
        if (x.key != y.key || x.step != y.step || x.timestamp != y.timestamp || !sameValue)
            return false;
    }
    return true;
}

bool sameRun(const Run &a, const Run &b)
{
    const tracking::RunInfo &x = a.info;
    const tracking::RunInfo &y = b.info;
    return x.runId == y.runId && x.experimentId == y.experimentId && x.runName == y.runName
           && x.userId == y.userId && x.status == y.status && x.startTime == y.startTime
           && x.endTime == y.endTime && x.artifactUri == y.artifactUri
           && x.lifecycleStage == y.lifecycleStage && a.params == b.params && a.tags == b.tags
           && sameMetrics(a.latestMetrics, b.latestMetrics);
}

const tracking::MetricPoint *findMetric(const Run &run, const QString &key)
{
    for (const tracking::MetricPoint &point : run.latestMetrics) {
        if (point.key == key)
            return &point;
    }
    return nullptr;
}

QString timeText(qint64 msSinceEpoch)
{
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch)
        .toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

QString elided(const QString &text, int length)
{
    QString line = text.section(QLatin1Char('\n'), 0, 0);
    if (line.size() > length || line.size() < text.size())
        line = line.left(length) + QChar(0x2026);
    return line;
}

} // namespace

QColor RunTableModel::statusColour(RunStatus status)
{
    switch (status) {
    case RunStatus::Running:
        return QColor(0x1e, 0x88, 0xe5);
    case RunStatus::Scheduled:
        return QColor(0x9e, 0x9e, 0x9e);
    case RunStatus::Finished:
        return QColor(0x43, 0xa0, 0x47);
    case RunStatus::Failed:
        return QColor(0xe5, 0x39, 0x35);
    case RunStatus::Killed:
        return QColor(0xfb, 0x8c, 0x00);
    }
    return QColor(Qt::gray);
}

namespace {

QIcon statusIcon(RunStatus status)
{
    static QHash<int, QIcon> icons;
    const auto found = icons.constFind(int(status));
    if (found != icons.cend())
        return *found;
    QIcon icon;
    for (int size : {12, 24}) {
        QPixmap pixmap(size, size);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(Qt::NoPen);
        painter.setBrush(RunTableModel::statusColour(status));
        const qreal margin = size / 6.0;
        painter.drawEllipse(QRectF(margin, margin, size - 2 * margin, size - 2 * margin));
        painter.end();
        icon.addPixmap(pixmap);
    }
    icons.insert(int(status), icon);
    return icon;
}

} // namespace

RunTableModel::RunTableModel(QObject *parent)
    : KeyedTableModel(parent), m_clock([] { return QDateTime::currentMSecsSinceEpoch(); })
{
    for (int column = 0; column < FixedColumnCount; ++column)
        m_columns.append({Group::Fixed, QString::number(column)});
}

void RunTableModel::setRuns(const QList<Run> &runs)
{
    setRuns(runs, collectRunKeys(runs));
}

void RunTableModel::setRuns(const QList<Run> &runs, const RunKeys &keys)
{
    m_paramKeys = keys.params;
    m_metricKeys = keys.metrics;
    m_tagKeys = keys.tags;

    QList<Column> columns;
    for (int column = 0; column < FixedColumnCount; ++column)
        columns.append({Group::Fixed, QString::number(column)});
    // Metrics first, as in MLflow's run table: they are what runs are compared and sorted by.
    for (const QString &key : std::as_const(m_metricKeys))
        columns.append({Group::Metric, key});
    for (const QString &key : std::as_const(m_paramKeys))
        columns.append({Group::Param, key});
    // data() looks values up by key, so the model is consistent after each step below.
    syncColumns(columns);

    QList<Run> replaced = syncRows(
        m_runs, runs, [](const Run &run) { return run.info.runId; }, sameRun);
    // Freeing 10,000 runs' params and metrics takes tens of milliseconds: not on this thread.
    if (replaced.size() >= kKeyedRowsResetThreshold)
        QThreadPool::globalInstance()->start(
            [replaced = std::move(replaced)]() mutable { replaced.clear(); });
}

void RunTableModel::syncColumns(const QList<Column> &columns)
{
    const QModelIndex root;
    syncKeyedRows(
        m_columns, columns,
        [](const Column &column) -> QString {
            return QString::number(int(column.group)) + QLatin1Char(':') + column.key;
        },
        [](const Column &, const Column &) { return true; },
        KeyedRowsNotifier{
            [&](int first, int last) { beginRemoveColumns(root, first, last); },
            [&] { endRemoveColumns(); },
            [&](int first, int last) { beginInsertColumns(root, first, last); },
            [&] { endInsertColumns(); },
            [&](int from, int to) { beginMoveColumns(root, from, from, root, to); },
            [&] { endMoveColumns(); },
            [](int) {},
        });
}

int RunTableModel::rowOfRun(const QString &runId) const
{
    for (int row = 0; row < int(m_runs.size()); ++row) {
        if (m_runs.at(row).info.runId == runId)
            return row;
    }
    return -1;
}

QString RunTableModel::columnKey(int column) const
{
    if (column < 0 || column >= int(m_columns.size()))
        return QString();
    const Column &c = m_columns.at(column);
    switch (c.group) {
    case Group::Param:
        return QStringLiteral("params.") + c.key;
    case Group::Metric:
        return QStringLiteral("metrics.") + c.key;
    case Group::Fixed:
        break;
    }
    switch (column) {
    case NameColumn:
        return QStringLiteral("attributes.run_name");
    case StatusColumn:
        return QStringLiteral("attributes.status");
    case StartColumn:
        return QStringLiteral("attributes.start_time");
    case DurationColumn:
        return QStringLiteral("attributes.duration");
    case UserColumn:
        return QStringLiteral("attributes.user_id");
    }
    return QString();
}

int RunTableModel::columnOfKey(const QString &key) const
{
    for (int column = 0; column < int(m_columns.size()); ++column) {
        if (columnKey(column) == key)
            return column;
    }
    return -1;
}

void RunTableModel::setClock(std::function<qint64()> msSinceEpoch)
{
    m_clock = std::move(msSinceEpoch);
}

void RunTableModel::refreshRunningDurations()
{
    int first = -1;
    int last = -1;
    for (int row = 0; row < int(m_runs.size()); ++row) {
        if (m_runs.at(row).info.status == RunStatus::Running && !m_runs.at(row).info.endTime) {
            if (first < 0)
                first = row;
            last = row;
        }
    }
    if (first >= 0)
        Q_EMIT dataChanged(index(first, DurationColumn), index(last, DurationColumn),
                           {Qt::DisplayRole, Qt::ToolTipRole, SortRole});
}

int RunTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_runs.size());
}

int RunTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_columns.size());
}

QString RunTableModel::durationText(qint64 ms)
{
    if (ms < 0)
        ms = 0;
    if (ms < 1000)
        return tr("%1 ms").arg(ms);
    if (ms < 60 * 1000)
        return tr("%1 s").arg(QString::number(ms / 1000.0, 'f', 1));
    const qint64 seconds = ms / 1000;
    auto two = [](qint64 value) {
        return QStringLiteral("%1").arg(value, 2, 10, QLatin1Char('0'));
    };
    if (seconds < 3600)
        return tr("%1m %2s").arg(seconds / 60).arg(two(seconds % 60));
    if (seconds < 86400)
        return tr("%1h %2m").arg(seconds / 3600).arg(two(seconds / 60 % 60));
    return tr("%1d %2h").arg(seconds / 86400).arg(two(seconds / 3600 % 24));
}

QString RunTableModel::metricText(double value)
{
    if (std::isnan(value))
        return QStringLiteral("NaN");
    if (std::isinf(value))
        return value > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
    return QString::number(value, 'g', 6);
}

QString RunTableModel::statusText(RunStatus status)
{
    switch (status) {
    case RunStatus::Running:
        return tr("Running");
    case RunStatus::Scheduled:
        return tr("Scheduled");
    case RunStatus::Finished:
        return tr("Finished");
    case RunStatus::Failed:
        return tr("Failed");
    case RunStatus::Killed:
        return tr("Killed");
    }
    return QString();
}

std::optional<qint64> RunTableModel::duration(const Run &run) const
{
    if (!run.info.startTime)
        return std::nullopt;
    if (run.info.endTime)
        return *run.info.endTime - *run.info.startTime;
    if (run.info.status == RunStatus::Running)
        return m_clock() - *run.info.startTime;
    return std::nullopt;
}

QVariant RunTableModel::sortValue(const Run &run, const Column &column) const
{
    switch (column.group) {
    case Group::Param: {
        const QString *found = run.params.find(column.key);
        return found ? QVariant(*found) : QVariant();
    }
    case Group::Metric: {
        const tracking::MetricPoint *point = findMetric(run, column.key);
        return point ? QVariant(point->value) : QVariant();
    }
    case Group::Fixed:
        break;
    }
    switch (column.key.toInt()) {
    case NameColumn:
        return run.info.runName;
    case StatusColumn:
        return statusText(run.info.status);
    case StartColumn:
        return run.info.startTime ? QVariant(*run.info.startTime) : QVariant();
    case DurationColumn: {
        const std::optional<qint64> ms = duration(run);
        return ms ? QVariant(*ms) : QVariant();
    }
    case UserColumn:
        return run.info.userId.isEmpty() ? QVariant() : QVariant(run.info.userId);
    }
    return {};
}

QVariant RunTableModel::displayValue(const Run &run, const Column &column) const
{
    switch (column.group) {
    case Group::Param: {
        const QString *found = run.params.find(column.key);
        return found ? QVariant(elided(*found, kMaxCellText)) : QVariant();
    }
    case Group::Metric: {
        const tracking::MetricPoint *point = findMetric(run, column.key);
        return point ? QVariant(metricText(point->value)) : QVariant();
    }
    case Group::Fixed:
        break;
    }
    switch (column.key.toInt()) {
    case NameColumn:
        return run.info.runName;
    case StatusColumn:
        return statusText(run.info.status);
    case StartColumn:
        return run.info.startTime ? QVariant(timeText(*run.info.startTime)) : QVariant();
    case DurationColumn: {
        const std::optional<qint64> ms = duration(run);
        return ms ? QVariant(durationText(*ms)) : QVariant();
    }
    case UserColumn:
        return run.info.userId;
    }
    return {};
}

QVariant RunTableModel::toolTip(const Run &run, const Column &column) const
{
    switch (column.group) {
    case Group::Param: {
        const QString *found = run.params.find(column.key);
        if (!found)
            return {};
        return found->size() > kMaxToolTipText
                   ? QString(found->left(kMaxToolTipText) + QChar(0x2026))
                   : *found;
    }
    case Group::Metric: {
        const tracking::MetricPoint *point = findMetric(run, column.key);
        if (!point)
            return {};
        const QString exact =
            std::isfinite(point->value)
                ? QString::number(point->value, 'g', QLocale::FloatingPointShortest)
                : metricText(point->value);
        return tr("%1 = %2\nstep %3, logged %4")
            .arg(column.key, exact)
            .arg(point->step)
            .arg(timeText(point->timestamp));
    }
    case Group::Fixed:
        break;
    }
    switch (column.key.toInt()) {
    case NameColumn: {
        QString tip = tr("%1\nRun %2").arg(run.info.runName, run.info.runId);
        if (run.info.lifecycleStage == tracking::LifecycleStage::Deleted)
            tip += QLatin1Char('\n') + tr("Deleted: it can be restored.");
        return tip;
    }
    case StartColumn:
        return run.info.startTime ? QVariant(
                   QDateTime::fromMSecsSinceEpoch(*run.info.startTime).toString(Qt::ISODateWithMs))
                                  : QVariant();
    case DurationColumn:
        if (run.info.status == RunStatus::Running && !run.info.endTime && run.info.startTime)
            return tr("Running for %1").arg(durationText(m_clock() - *run.info.startTime));
        return {};
    }
    return {};
}

QVariant RunTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Run &run = m_runs.at(index.row());
    const Column &column = m_columns.at(index.column());
    switch (role) {
    case Qt::DisplayRole:
        return displayValue(run, column);
    case SortRole:
        return sortValue(run, column);
    case Qt::ToolTipRole:
        return toolTip(run, column);
    case RunIdRole:
        return run.info.runId;
    case Qt::DecorationRole:
        if (column.group == Group::Fixed && index.column() == StatusColumn && qGuiApp)
            return statusIcon(run.info.status);
        return {};
    case Qt::FontRole:
        if (run.info.lifecycleStage == tracking::LifecycleStage::Deleted) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        return {};
    case Qt::TextAlignmentRole:
        if (column.group == Group::Metric || index.column() == DurationColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    return {};
}

QVariant RunTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= int(m_columns.size()))
        return {};
    const Column &column = m_columns.at(section);
    if (role == ColumnKeyRole)
        return columnKey(section);
    if (role == Qt::ToolTipRole) {
        if (column.group == Group::Param)
            return tr("Param %1; filter with params.%1 = '…'").arg(column.key);
        if (column.group == Group::Metric)
            return tr("Latest value of metric %1; filter with metrics.%1 > …").arg(column.key);
        return {};
    }
    if (role == Qt::TextAlignmentRole && column.group == Group::Metric)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    if (column.group != Group::Fixed)
        return columnKey(section);
    switch (section) {
    case NameColumn:
        return tr("Run name");
    case StatusColumn:
        return tr("Status");
    case StartColumn:
        return tr("Start time");
    case DurationColumn:
        return tr("Duration");
    case UserColumn:
        return tr("User");
    }
    return {};
}

} // namespace millrace::ui
