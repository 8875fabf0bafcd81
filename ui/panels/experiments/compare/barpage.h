#pragma once

#include "ui/panels/experiments/compare/comparedata.h"
#include "ui/panels/experiments/compare/comparepage.h"

#include <QPointer>

QT_BEGIN_NAMESPACE
class QChartView;
class QComboBox;
class QLabel;
QT_END_NAMESPACE

namespace millrace {
class Job;
}

namespace millrace::ui {

class KeyChooser;

/// Chosen metrics of the compared runs as grouped bars: one group per metric, one bar per run,
/// the metric's last, lowest or highest value. Lowest and highest come from the whole history,
/// read in a job.
class BarPage : public ComparePage
{
    Q_OBJECT
public:
    /// Which value of a metric each bar shows.
    enum class Aggregate { Last, Min, Max };

    explicit BarPage(QWidget *parent = nullptr);
    ~BarPage() override;

    void setRunSet(const CompareRunSet &runs) override;
    void setSource(const CompareSource &source) override;
    QWidget *exportTarget() override;
    QList<QStringList> dataRows() const override;

    void setChosenKeys(const QStringList &keys);
    QStringList chosenKeys() const;
    void setAggregate(Aggregate aggregate);
    /// The value of one bar, NaN when the run has none (or ranges are still loading).
    double value(int runIndex, const QString &key) const;
    QChartView *chartView() const { return m_view; }

private:
    void reload();
    void draw();
    Aggregate aggregate() const;

    CompareRunSet m_runs;
    CompareSource m_source;
    KeyChooser *m_keys;
    QComboBox *m_aggregate;
    QLabel *m_note;
    QChartView *m_view;
    QPointer<Job> m_job;
    QString m_rangesSignature; ///< what m_ranges were loaded for
    QString m_loadingSignature;
    RunMetricRanges m_ranges;
};

} // namespace millrace::ui
