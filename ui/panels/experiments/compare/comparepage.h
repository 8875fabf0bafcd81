#pragma once

#include "core/tracking/trackingtypes.h"

#include <QColor>
#include <QList>
#include <QStringList>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QChart;
class QChartView;
class QLabel;
class QThreadPool;
QT_END_NAMESPACE

namespace millrace::tracking {
class TrackingStore;
}

namespace millrace::ui {

/// The runs a compare view shows, each with the colour it has in every chart, and the keys
/// found in them.
struct CompareRunSet
{
    QList<tracking::Run> runs;
    QList<QColor> colours;   ///< one per run
    QStringList metricKeys;  ///< union over the runs, sorted
    QStringList paramKeys;   ///< union over the runs, sorted
    QStringList historyKeys; ///< metrics some run logged at more than one step

    /// Builds the set, with the key lists, from runs and their colours.
    static CompareRunSet from(const QList<tracking::Run> &runs, const QList<QColor> &colours);
    /// What a run is called in legends: its name, or the start of its id.
    static QString label(const tracking::Run &run);
    /// The run's latest value of `key`, NaN when it has none.
    static double latestMetric(const tracking::Run &run, const QString &key);
    /// The run's value of a search-syntax key ("params.lr", "metrics.acc") as text, empty when
    /// it has none.
    static QString textValue(const tracking::Run &run, const QString &key);
    /// Search-syntax keys of the set: "params.<k>" for every param, then "metrics.<k>".
    QStringList allKeys() const;
};

/// Where each run sits along one key: numbers as they are; when some value is not a number,
/// every value becomes the index of its text among the sorted distinct values (`categories`).
struct KeyPlacement
{
    QList<double> positions; ///< one per run; NaN when the run has no value
    QStringList categories;  ///< empty when the values are numbers
};

/// Places `runs` along the search-syntax `key` ("params.lr", "metrics.acc").
KeyPlacement placeRuns(const QList<tracking::Run> &runs, const QString &key);

/// Where pages read from: the tracking store and a pool for their jobs. Null when detached.
struct CompareSource
{
    const tracking::TrackingStore *tracking = nullptr;
    QThreadPool *pool = nullptr;
};

/// One tab of the compare view. Pages show the run set they are given and can hand out what
/// the export menu saves: a widget to render as PNG or SVG, and their data as rows for CSV.
class ComparePage : public QWidget
{
    Q_OBJECT
public:
    using QWidget::QWidget;

    /// Shows `runs`; called when the selection changes and on every reload (about once a second
    /// while runs are logged), so pages skip work when nothing they show changed.
    virtual void setRunSet(const CompareRunSet &runs) = 0;
    /// Where the page reads from; pages that read nothing ignore it.
    virtual void setSource(const CompareSource &source) { Q_UNUSED(source); }
    /// The widget that PNG and SVG export render.
    virtual QWidget *exportTarget() = 0;
    /// The page's data as a header row and one row per line, for CSV.
    virtual QList<QStringList> dataRows() const = 0;

Q_SIGNALS:
    /// The page shows the data of the latest run set (a chart finished loading and drawing).
    void updated();

protected:
    /// Lays the page out as every page looks: a row of `controls` (then a stretch), `main`
    /// taking the height, and `note` under it.
    void setUpLayout(const QList<QWidget *> &controls, QWidget *main, QLabel *note);
    /// Shows `chart` in `view` and deletes the chart it showed before.
    static void showChart(QChartView *view, QChart *chart);
    /// A text that changes whenever one of `runs` logs a new point of a metric in `keys` (of
    /// any metric when `keys` is empty): what pages compare to skip rereading histories.
    static QString latestPointsSignature(const QList<tracking::Run> &runs,
                                         const QStringList &keys = {});
};

} // namespace millrace::ui
