#pragma once

#include "ui/panels/experiments/compare/comparedata.h"
#include "ui/panels/experiments/compare/comparepage.h"

#include <QPointF>
#include <QPointer>

#include <memory>

QT_BEGIN_NAMESPACE
class QAbstractAxis;
class QChart;
class QCheckBox;
class QChartView;
class QComboBox;
class QLabel;
class QSlider;
QT_END_NAMESPACE

namespace millrace {
class Job;
}

namespace millrace::ui {

class KeyChooser;

/// Metric histories of the compared runs overlaid in one line chart: x as step, wall time or
/// relative time; optional smoothing and log scale; where a line was downsampled, a band shows
/// the lowest and highest values it stands for. Histories are read, smoothed and downsampled in
/// a job; a job superseded by newer settings or data is cancelled and its result dropped.
class HistoryPage : public ComparePage
{
    Q_OBJECT
public:
    /// More lines than this and bands and the legend are left out: they would hide the lines.
    static constexpr int kMaxDecoratedSeries = 24;

    explicit HistoryPage(QWidget *parent = nullptr);
    ~HistoryPage() override;

    void setRunSet(const CompareRunSet &runs) override;
    void setSource(const CompareSource &source) override;
    QWidget *exportTarget() override;
    QList<QStringList> dataRows() const override;

    /// The metrics drawn.
    QStringList chosenKeys() const;
    void setChosenKeys(const QStringList &keys);
    void setAxis(HistoryAxis axis);
    void setSmoothing(double weight);
    void setLogScale(bool on);
    /// The series the chart shows now (after the latest load).
    const QList<HistorySeries> &series() const { return m_series; }
    /// The chart view, for tests that look at the drawn series.
    QChartView *chartView() const { return m_view; }

private:
    void reload();
    void draw();
    void addLine(QChart *chart, QAbstractAxis *xAxis, QAbstractAxis *yAxis, int run,
                 const QString &key, const QList<QPointF> &points, const QList<QPointF> *high,
                 const QList<QPointF> *low, int lineCount);
    QString dataSignature() const;

    CompareRunSet m_runs;
    CompareSource m_source;
    KeyChooser *m_keys;
    QComboBox *m_axis;
    QSlider *m_smoothing;
    QCheckBox *m_logScale;
    QCheckBox *m_bands;
    QLabel *m_note;
    QChartView *m_view;
    QPointer<Job> m_job;
    QString m_loadedSignature; ///< what the series shown were loaded for
    QString m_loadingSignature;
    QList<HistorySeries> m_series;
    HistoryAxis m_seriesAxis = HistoryAxis::Step;
    QStringList m_chartLayout; ///< the series the chart holds, to reuse them for new points
};

} // namespace millrace::ui
