#pragma once

#include "core/tracking/trackingtypes.h"
#include "ui/panels/experiments/keyedrows.h"

#include <QHash>
#include <QList>
#include <QMetaType>
#include <QPointF>

#include <optional>

namespace millrace::ui {

/// A metric's history reduced for a sparkline: a few dozen points that keep its shape.
struct MetricSparkline
{
    QList<QPointF> points;    ///< x: step (or time, or index when steps do not advance); y: value
    qsizetype pointCount = 0; ///< finite points in the whole history
    double min = 0;           ///< lowest finite value of the whole history
    double max = 0;           ///< highest finite value of the whole history
    bool operator==(const MetricSparkline &other) const = default;
};

/// Reduces `history` (as TrackingStore::metricHistory() returns it: by step, then time) to at
/// most `maxPoints` points with LTTB, so peaks and dips survive. NaN and infinite values are left
/// out. The x axis is the step; when every point has the same step (logged without one), the
/// time; when those are equal too, the point's position.
MetricSparkline sparklineFromHistory(const QList<tracking::MetricPoint> &history, int maxPoints);

/// The metrics table of the run detail pane: each metric's latest value and step, and its history
/// as a sparkline (SparklineRole of the History column) once loaded. Rows are keyed by metric, so
/// a reload keeps the selection; histories stay until a new one arrives or the run changes.
class RunMetricsModel : public KeyedTableModel
{
    Q_OBJECT
public:
    enum Column { KeyColumn, ValueColumn, StepColumn, HistoryColumn, ColumnCount };
    enum Role {
        /// MetricSparkline of the row's metric (History column); invalid until loaded.
        SparklineRole = Qt::UserRole + 1,
    };

    explicit RunMetricsModel(QObject *parent = nullptr);

    /// Shows the latest metrics of run `runId` (sorted by key). Histories of the same run's
    /// metrics are kept; another run starts without any.
    void setMetrics(const QString &runId, const QList<tracking::MetricPoint> &latest);
    /// Sets the sparklines of run `runId`'s metrics, by key; ignored when another run is shown.
    void setSparklines(const QString &runId, const QHash<QString, MetricSparkline> &sparklines);
    /// The run whose metrics are shown; empty when none.
    QString runId() const { return m_runId; }
    /// The latest points shown, in row order.
    QList<tracking::MetricPoint> metrics() const;
    /// The sparkline of metric `key`, if loaded.
    std::optional<MetricSparkline> sparkline(const QString &key) const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct Row
    {
        tracking::MetricPoint latest;
        std::optional<MetricSparkline> sparkline;
    };

    QString m_runId;
    QList<Row> m_rows;
};

} // namespace millrace::ui

Q_DECLARE_METATYPE(millrace::ui::MetricSparkline)
