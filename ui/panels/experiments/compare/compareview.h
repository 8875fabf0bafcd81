#pragma once

#include "core/base/result.h"
#include "core/tracking/trackingtypes.h"
#include "ui/panels/experiments/compare/comparepage.h"

#include <QHash>
#include <QSet>
#include <QThreadPool>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QTabWidget;
class QToolButton;
QT_END_NAMESPACE

namespace millrace::tracking {
class TrackingStore;
}

namespace millrace::ui {

class BarPage;
class ComparePage;
class DiffPage;
class HistoryPage;
class ParallelPage;
class ScatterPage;

/// Compares the runs selected in the run table, as MLflow's compare view does: metric
/// histories, bars, a scatter, parallel coordinates (whose brushes narrow the other pages) and a
/// diff table, each exportable (PNG, SVG, CSV). Each run keeps its colour while it stays
/// selected. Reads happen in jobs on the view's own pool; the GUI thread only draws.
class CompareView : public QWidget
{
    Q_OBJECT
public:
    enum Page { HistoryTab, BarTab, ScatterTab, ParallelTab, DiffTab };

    explicit CompareView(QWidget *parent = nullptr);
    /// Drops pending reads and waits for those running.
    ~CompareView() override;

    /// Reads histories from `tracking`, which must outlive detach().
    void attach(const tracking::TrackingStore &tracking);
    /// Stops reading: drops pending results and waits for reads still running (a few ms).
    void detach();

    /// The runs to compare, in the order the table shows them. Called on every selection change
    /// and reload; pages redo only what changed.
    void setRuns(const QList<tracking::Run> &runs);
    /// The runs given to setRuns().
    const QList<tracking::Run> &runs() const { return m_runs; }
    /// The runs the pages other than parallel coordinates show: those inside every brush.
    QStringList shownRunIds() const;

    void setCurrentPage(Page page);
    Page currentPage() const;
    HistoryPage *historyPage() const { return m_history; }
    BarPage *barPage() const { return m_bars; }
    ScatterPage *scatterPage() const { return m_scatter; }
    ParallelPage *parallelPage() const { return m_parallel; }
    DiffPage *diffPage() const { return m_diff; }

    /// Saves the current page as an image: SVG when `path` ends in ".svg", PNG otherwise.
    Result<void> exportImage(const QString &path);
    /// Saves the current page's data as CSV.
    Result<void> exportCsv(const QString &path);

Q_SIGNALS:
    /// A page now shows the latest runs and data (for tests and benchmarks).
    void pageUpdated(millrace::ui::CompareView::Page page);

private:
    ComparePage *page(Page page) const;
    void applyRuns();
    /// Hands the current page the runs it shows if it has not seen them yet.
    void refreshCurrentPage();
    void onBrushChanged(const QStringList &passing);
    void updateHeader();
    void chooseExportFile(const QString &kind);

    QThreadPool m_pool;
    QList<tracking::Run> m_runs;
    QHash<QString, int> m_colourIndex; ///< run id → palette index, kept while selected
    QStringList m_passing;             ///< runs inside every brush; empty when not brushing
    CompareRunSet m_narrowed;          ///< the runs the pages other than parallel show
    QSet<Page> m_stale;                ///< pages that have not been given m_narrowed yet
    bool m_brushing = false;
    QLabel *m_header;
    QLabel *m_brushNote;
    QToolButton *m_clearBrushes;
    QToolButton *m_export;
    QTabWidget *m_tabs;
    HistoryPage *m_history;
    BarPage *m_bars;
    ScatterPage *m_scatter;
    ParallelPage *m_parallel;
    DiffPage *m_diff;
};

} // namespace millrace::ui
