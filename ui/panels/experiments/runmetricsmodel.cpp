#include "ui/panels/experiments/runmetricsmodel.h"

#include "core/tracking/downsample.h"
#include "ui/panels/experiments/runtablemodel.h"

#include <QLocale>

#include <cmath>

namespace millrace::ui {

MetricSparkline sparklineFromHistory(const QList<tracking::MetricPoint> &history, int maxPoints)
{
    QList<tracking::MetricPoint> finite;
    finite.reserve(history.size());
    for (const tracking::MetricPoint &point : history) {
        if (std::isfinite(point.value))
            finite.append(point);
    }
    MetricSparkline sparkline;
    sparkline.pointCount = finite.size();
    if (finite.isEmpty())
        return sparkline;

    // mlflow.log_metric() without a step logs step 0 every time: then time is the better axis.
    enum class Axis { Step, Time, Index };
    Axis axis = Axis::Index;
    if (finite.last().step != finite.first().step)
        axis = Axis::Step;
    else if (finite.last().timestamp != finite.first().timestamp)
        axis = Axis::Time;

    QList<tracking::SeriesPoint> series;
    series.reserve(finite.size());
    sparkline.min = sparkline.max = finite.first().value;
    for (qsizetype i = 0; i < finite.size(); ++i) {
        const tracking::MetricPoint &point = finite.at(i);
        double x = double(i);
        if (axis == Axis::Step)
            x = double(point.step);
        else if (axis == Axis::Time)
            x = double(point.timestamp - finite.first().timestamp);
        series.append({x, point.value});
        sparkline.min = qMin(sparkline.min, point.value);
        sparkline.max = qMax(sparkline.max, point.value);
    }
    const tracking::DownsampledSeries reduced = tracking::downsampleLttb(series, maxPoints);
    sparkline.points.reserve(reduced.points.size());
    for (const tracking::SeriesPoint &point : reduced.points)
        sparkline.points.append({point.x, point.y});
    return sparkline;
}

namespace {

QString exactMetric(double value)
{
    if (!std::isfinite(value))
        return RunTableModel::metricText(value);
    return QString::number(value, 'g', QLocale::FloatingPointShortest);
}

} // namespace

RunMetricsModel::RunMetricsModel(QObject *parent) : KeyedTableModel(parent) {}

void RunMetricsModel::setMetrics(const QString &runId, const QList<tracking::MetricPoint> &latest)
{
    const bool sameRun = runId == m_runId;
    QHash<QString, MetricSparkline> kept;
    if (sameRun) {
        for (const Row &row : std::as_const(m_rows)) {
            if (row.sparkline)
                kept.insert(row.latest.key, *row.sparkline);
        }
    }
    QList<Row> incoming;
    incoming.reserve(latest.size());
    for (const tracking::MetricPoint &point : latest) {
        const auto found = kept.constFind(point.key);
        incoming.append(
            {point, found == kept.cend() ? std::nullopt : std::optional<MetricSparkline>(*found)});
    }
    m_runId = runId;
    syncRows(
        m_rows, incoming, [](const Row &row) { return row.latest.key; },
        [](const Row &a, const Row &b) {
            // NaN != NaN: compare the bits that matter for what the row shows.
            const bool sameValue = a.latest.value == b.latest.value
                                   || (std::isnan(a.latest.value) && std::isnan(b.latest.value));
            return sameValue && a.latest.step == b.latest.step
                   && a.latest.timestamp == b.latest.timestamp && a.sparkline == b.sparkline;
        });
}

void RunMetricsModel::setSparklines(const QString &runId,
                                    const QHash<QString, MetricSparkline> &sparklines)
{
    if (runId != m_runId)
        return;
    for (int row = 0; row < int(m_rows.size()); ++row) {
        const auto found = sparklines.constFind(m_rows.at(row).latest.key);
        if (found == sparklines.cend() || m_rows.at(row).sparkline == *found)
            continue;
        m_rows[row].sparkline = *found;
        const QModelIndex cell = index(row, HistoryColumn);
        Q_EMIT dataChanged(cell, cell);
    }
}

QList<tracking::MetricPoint> RunMetricsModel::metrics() const
{
    QList<tracking::MetricPoint> points;
    points.reserve(m_rows.size());
    for (const Row &row : m_rows)
        points.append(row.latest);
    return points;
}

std::optional<MetricSparkline> RunMetricsModel::sparkline(const QString &key) const
{
    for (const Row &row : m_rows) {
        if (row.latest.key == key)
            return row.sparkline;
    }
    return std::nullopt;
}

int RunMetricsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RunMetricsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunMetricsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    switch (index.column()) {
    case KeyColumn:
        if (role == Qt::DisplayRole || role == Qt::ToolTipRole)
            return row.latest.key;
        return {};
    case ValueColumn:
        if (role == Qt::DisplayRole)
            return exactMetric(row.latest.value);
        return {};
    case StepColumn:
        if (role == Qt::DisplayRole)
            return QString::number(row.latest.step);
        return {};
    case HistoryColumn:
        if (role == SparklineRole && row.sparkline)
            return QVariant::fromValue(*row.sparkline);
        if (role == Qt::ToolTipRole && row.sparkline) {
            if (row.sparkline->pointCount == 0)
                return tr("No finite values logged");
            if (row.sparkline->pointCount == 1)
                return tr("1 point: %1").arg(exactMetric(row.sparkline->min));
            return tr("%1 points, from %2 to %3")
                .arg(QLocale().toString(row.sparkline->pointCount), exactMetric(row.sparkline->min),
                     exactMetric(row.sparkline->max));
        }
        return {};
    default:
        return {};
    }
}

QVariant RunMetricsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case KeyColumn:
        return tr("Metric");
    case ValueColumn:
        return tr("Latest value");
    case StepColumn:
        return tr("Step");
    case HistoryColumn:
        return tr("History");
    default:
        return {};
    }
}

} // namespace millrace::ui
