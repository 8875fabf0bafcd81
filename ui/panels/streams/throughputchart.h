#pragma once

#include "core/streams/streamsservice.h"

#include <QWidget>

QT_BEGIN_NAMESPACE
class QAreaSeries;
class QChart;
class QChartView;
class QDateTimeAxis;
class QLabel;
class QLineSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace millrace::ui {

/// The Streams panel's two live charts over the history the streams service keeps (up to ten
/// minutes): messages per second arriving on all topics, and the lag of the watched consumer
/// groups, each against a time axis, with the latest value as a headline.
class ThroughputChart : public QWidget
{
    Q_OBJECT
public:
    explicit ThroughputChart(QWidget *parent = nullptr);

    /// Plots `history` (oldest first); an empty one clears both charts.
    void setHistory(const std::vector<streams::ThroughputPoint> &history);
    /// Points shown now (for tests).
    int pointCount() const;

protected:
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    struct Plot
    {
        QChartView *view = nullptr;
        QLineSeries *line = nullptr;
        QLineSeries *baseline = nullptr;
        QAreaSeries *area = nullptr;
        QDateTimeAxis *time = nullptr;
        QValueAxis *values = nullptr;
        QLabel *headline = nullptr;
        QColor colour;
    };
    QWidget *createPlot(Plot &plot, const QString &title, const QString &objectName, QColor colour);
    void styleCharts();
    void plot(Plot &target, const std::vector<QPointF> &points, qint64 firstMs, qint64 lastMs,
              const QString &headline);

    Plot m_rate;
    Plot m_lag;
    std::vector<streams::ThroughputPoint> m_history;
};

} // namespace millrace::ui
