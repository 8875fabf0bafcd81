#include "ui/panels/experiments/compare/compareview.h"

#include "ui/panels/experiments/compare/barpage.h"
#include "ui/panels/experiments/compare/chartstyle.h"
#include "ui/panels/experiments/compare/diffpage.h"
#include "ui/panels/experiments/compare/historypage.h"
#include "ui/panels/experiments/compare/parallelcoordinates.h"
#include "ui/panels/experiments/compare/parallelpage.h"
#include "ui/panels/experiments/compare/scatterpage.h"
#include "ui/panels/experiments/compare/tableexport.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QImage>
#include <QImageWriter>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace millrace::ui {

namespace {

// Exported PNGs are drawn at twice the widget's size, sharp on high-density screens and print.
constexpr qreal kExportScale = 2.0;

} // namespace

CompareView::CompareView(QWidget *parent)
    : QWidget(parent), m_header(new QLabel), m_brushNote(new QLabel),
      m_clearBrushes(new QToolButton), m_export(new QToolButton), m_tabs(new QTabWidget),
      m_history(new HistoryPage), m_bars(new BarPage), m_scatter(new ScatterPage),
      m_parallel(new ParallelPage), m_diff(new DiffPage)
{
    // One chart read at a time is plenty: a read fans out over the global pool itself.
    m_pool.setMaxThreadCount(1);
    m_header->setObjectName(QStringLiteral("compareHeader"));
    m_brushNote->setObjectName(QStringLiteral("compareBrushNote"));
    m_clearBrushes->setText(tr("Clear brushes"));
    m_clearBrushes->setObjectName(QStringLiteral("compareClearBrushes"));
    m_export->setObjectName(QStringLiteral("compareExport"));
    m_export->setText(tr("Export"));
    m_export->setPopupMode(QToolButton::InstantPopup);
    auto *exportMenu = new QMenu(m_export);
    exportMenu->addAction(tr("Chart as PNG…"), this,
                          [this] { chooseExportFile(QStringLiteral("png")); });
    exportMenu->addAction(tr("Chart as SVG…"), this,
                          [this] { chooseExportFile(QStringLiteral("svg")); });
    exportMenu->addAction(tr("Data as CSV…"), this,
                          [this] { chooseExportFile(QStringLiteral("csv")); });
    m_export->setMenu(exportMenu);

    m_tabs->setObjectName(QStringLiteral("compareTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->insertTab(HistoryTab, m_history, tr("Metric history"));
    m_tabs->insertTab(BarTab, m_bars, tr("Bars"));
    m_tabs->insertTab(ScatterTab, m_scatter, tr("Scatter"));
    m_tabs->insertTab(ParallelTab, m_parallel, tr("Parallel coordinates"));
    m_tabs->insertTab(DiffTab, m_diff, tr("Diff"));

    auto *top = new QHBoxLayout;
    top->setContentsMargins(0, 0, 0, 0);
    top->addWidget(m_header);
    top->addWidget(m_brushNote);
    top->addWidget(m_clearBrushes);
    top->addStretch(1);
    top->addWidget(m_export);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 6, 8, 6);
    layout->addLayout(top);
    layout->addWidget(m_tabs, 1);

    for (int tab = HistoryTab; tab <= DiffTab; ++tab) {
        connect(page(Page(tab)), &ComparePage::updated, this,
                [this, tab] { Q_EMIT pageUpdated(Page(tab)); });
    }
    connect(m_parallel, &ParallelPage::brushChanged, this, &CompareView::onBrushChanged);
    connect(m_tabs, &QTabWidget::currentChanged, this, &CompareView::refreshCurrentPage);
    connect(m_clearBrushes, &QToolButton::clicked, this,
            [this] { m_parallel->coordinates()->clearBrushes(); });
    updateHeader();
}

CompareView::~CompareView()
{
    detach();
}

void CompareView::attach(const tracking::TrackingStore &tracking)
{
    const CompareSource source{&tracking, &m_pool};
    for (int tab = HistoryTab; tab <= DiffTab; ++tab)
        page(Page(tab))->setSource(source);
}

void CompareView::detach()
{
    for (int tab = HistoryTab; tab <= DiffTab; ++tab)
        page(Page(tab))->setSource({});
    m_pool.waitForDone();
}

ComparePage *CompareView::page(Page which) const
{
    switch (which) {
    case HistoryTab:
        return m_history;
    case BarTab:
        return m_bars;
    case ScatterTab:
        return m_scatter;
    case ParallelTab:
        return m_parallel;
    case DiffTab:
        return m_diff;
    }
    return m_history;
}

void CompareView::setRuns(const QList<tracking::Run> &runs)
{
    m_runs = runs;
    // Runs that stay keep their colour; new ones take the lowest colour not in use.
    QHash<QString, int> kept;
    QSet<int> used;
    for (const tracking::Run &run : runs) {
        const auto found = m_colourIndex.constFind(run.info.runId);
        if (found != m_colourIndex.cend()) {
            kept.insert(run.info.runId, *found);
            used.insert(*found);
        }
    }
    int next = 0;
    for (const tracking::Run &run : runs) {
        if (kept.contains(run.info.runId))
            continue;
        while (used.contains(next))
            ++next;
        kept.insert(run.info.runId, next);
        used.insert(next);
    }
    m_colourIndex = kept;
    applyRuns();
}

QStringList CompareView::shownRunIds() const
{
    QStringList ids;
    for (const tracking::Run &run : m_runs) {
        if (!m_brushing || m_passing.contains(run.info.runId))
            ids.append(run.info.runId);
    }
    return ids;
}

void CompareView::applyRuns()
{
    QList<QColor> colours;
    for (const tracking::Run &run : std::as_const(m_runs))
        colours.append(compareRunColour(m_colourIndex.value(run.info.runId)));
    const CompareRunSet all = CompareRunSet::from(m_runs, colours);
    // Parallel coordinates first: its brushes decide what the other pages show.
    m_parallel->setRunSet(all);
    QList<tracking::Run> shownRuns;
    QList<QColor> shownColours;
    const QStringList shown = shownRunIds();
    for (int i = 0; i < m_runs.size(); ++i) {
        if (shown.contains(m_runs[i].info.runId)) {
            shownRuns.append(m_runs[i]);
            shownColours.append(colours[i]);
        }
    }
    m_narrowed = CompareRunSet::from(shownRuns, shownColours);
    // Only the page in view draws now; the others catch up when their tab is chosen, so a
    // comparison of a hundred runs does not build five charts to show one.
    m_stale = {HistoryTab, BarTab, ScatterTab, DiffTab};
    refreshCurrentPage();
    updateHeader();
}

void CompareView::refreshCurrentPage()
{
    const Page current = currentPage();
    if (!m_stale.contains(current))
        return;
    m_stale.remove(current);
    page(current)->setRunSet(m_narrowed);
}

void CompareView::onBrushChanged(const QStringList &passing)
{
    const bool brushing = m_parallel->coordinates()->hasBrushes();
    if (brushing == m_brushing && passing == m_passing)
        return;
    m_brushing = brushing;
    m_passing = passing;
    applyRuns();
}

void CompareView::updateHeader()
{
    const int count = int(m_runs.size());
    m_header->setText(count == 0   ? tr("Select runs in the table to compare them.")
                      : count == 1 ? tr("1 run")
                                   : tr("Comparing %1 runs").arg(count));
    const int shown = int(shownRunIds().size());
    m_brushNote->setVisible(m_brushing);
    m_clearBrushes->setVisible(m_brushing);
    m_brushNote->setText(tr("· brushed: %1 of %2 shown").arg(shown).arg(count));
}

void CompareView::setCurrentPage(Page which)
{
    m_tabs->setCurrentIndex(which);
}

CompareView::Page CompareView::currentPage() const
{
    return Page(m_tabs->currentIndex());
}

Result<void> CompareView::exportImage(const QString &path)
{
    QWidget *target = page(currentPage())->exportTarget();
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(tr("Cannot write %1: %2").arg(path, file.errorString()));
    if (path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive)) {
        QSvgGenerator svg;
        svg.setOutputDevice(&file);
        svg.setSize(target->size());
        svg.setViewBox(QRect(QPoint(0, 0), target->size()));
        svg.setTitle(m_tabs->tabText(m_tabs->currentIndex()));
        svg.setDescription(tr("Millrace run comparison"));
        QPainter painter(&svg);
        target->render(&painter);
        painter.end();
    } else {
        QImage image(target->size() * kExportScale, QImage::Format_ARGB32_Premultiplied);
        image.setDevicePixelRatio(kExportScale);
        image.fill(palette().color(QPalette::Base));
        QPainter painter(&image);
        target->render(&painter);
        painter.end();
        QImageWriter writer(&file, "png");
        if (!writer.write(image)) {
            file.cancelWriting();
            return fail(tr("Cannot write %1: %2").arg(path, writer.errorString()));
        }
    }
    // QSaveFile only replaces the file once everything was written.
    if (!file.commit())
        return fail(tr("Cannot write %1: %2").arg(path, file.errorString()));
    return {};
}

Result<void> CompareView::exportCsv(const QString &path)
{
    return writeCsv(path, page(currentPage())->dataRows());
}

void CompareView::chooseExportFile(const QString &kind)
{
    const QString filter = kind == QLatin1String("svg")   ? tr("SVG image (*.svg)")
                           : kind == QLatin1String("csv") ? tr("CSV table (*.csv)")
                                                          : tr("PNG image (*.png)");
    const QString name = m_tabs->tabText(m_tabs->currentIndex())
                             .toLower()
                             .replace(QLatin1Char(' '), QLatin1Char('-'))
                         + QLatin1Char('.') + kind;
    QString path = QFileDialog::getSaveFileName(this, tr("Export"), name, filter);
    if (path.isEmpty())
        return;
    if (!path.contains(QLatin1Char('.')))
        path += QLatin1Char('.') + kind;
    const Result<void> written = kind == QLatin1String("csv") ? exportCsv(path) : exportImage(path);
    if (!written)
        QMessageBox::warning(this, tr("Export failed"), written.errorMessage());
}

} // namespace millrace::ui
