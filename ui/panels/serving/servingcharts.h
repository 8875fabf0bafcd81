#pragma once

#include "ui/panels/serving/trafficsampler.h"

#include <QWidget>

#include <deque>

QT_BEGIN_NAMESPACE
class QAreaSeries;
class QChartView;
class QDateTimeAxis;
class QLabel;
class QLineSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace millrace::ui {

/// The Serving panel's live charts over the last five minutes of samples: requests per second
/// (with the error count as a headline) and latency p50 and p99 in milliseconds, each against
/// a time axis.
class ServingCharts : public QWidget
{
    Q_OBJECT
public:
    explicit ServingCharts(QWidget *parent = nullptr);

    /// Adds one sample at the right; samples older than the window drop off the left.
    void addSample(const TrafficSample &sample);
    /// Empties both charts (a new serving run starts from zero).
    void clear();
    /// Samples shown now (tests).
    int sampleCount() const { return int(m_samples.size()); }

    /// How far back the charts reach.
    static constexpr qint64 kWindowMs = 5 * 60 * 1000;

protected:
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    QWidget *createRequestsPlot();
    QWidget *createLatencyPlot();
    QWidget *framePlot(QChartView *view, const QString &title, QLabel *headline);
    void styleCharts();
    void replot();

    QChartView *m_requestsView;
    QLineSeries *m_requests;
    QLineSeries *m_requestsBase;
    QAreaSeries *m_requestsArea;
    QDateTimeAxis *m_requestsTime;
    QValueAxis *m_requestsValues;
    QLabel *m_requestsHeadline;

    QChartView *m_latencyView;
    QLineSeries *m_p50;
    QLineSeries *m_p99;
    QDateTimeAxis *m_latencyTime;
    QValueAxis *m_latencyValues;
    QLabel *m_latencyHeadline;

    std::deque<TrafficSample> m_samples;
};

} // namespace millrace::ui
