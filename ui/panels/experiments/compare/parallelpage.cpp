#include "ui/panels/experiments/compare/parallelpage.h"

#include "ui/panels/experiments/compare/keychooser.h"
#include "ui/panels/experiments/compare/parallelcoordinates.h"

#include <QLabel>

namespace millrace::ui {

namespace {

// Axes shown before the user chooses: the params that tell the runs apart, then metrics.
constexpr int kDefaultParams = 6;
constexpr int kDefaultMetrics = 3;

} // namespace

ParallelPage::ParallelPage(QWidget *parent)
    : ComparePage(parent), m_keys(new KeyChooser(tr("Axes"))), m_note(new QLabel),
      m_view(new ParallelCoordinatesView)
{
    m_keys->setObjectName(QStringLiteral("parallelAxes"));
    m_view->setObjectName(QStringLiteral("parallelCoordinates"));
    m_note->setForegroundRole(QPalette::PlaceholderText);
    m_note->setText(tr("Drag along an axis to brush a range; the other charts then show only the "
                       "runs inside every brush. Click an axis to clear its brush."));
    m_note->setWordWrap(true);

    setUpLayout({m_keys}, m_view, m_note);

    connect(m_keys, &KeyChooser::chosenChanged, this, &ParallelPage::draw);
    connect(m_view, &ParallelCoordinatesView::brushChanged, this, &ParallelPage::brushChanged);
}

void ParallelPage::setRunSet(const CompareRunSet &runs)
{
    m_runs = runs;
    m_keys->setKeys(runs.allKeys());
    if (!m_keys->hasChoice()) {
        QStringList keys;
        for (const QString &param : std::as_const(runs.paramKeys)) {
            const QString key = QStringLiteral("params.") + param;
            QStringList values;
            for (const tracking::Run &run : runs.runs)
                values.append(CompareRunSet::textValue(run, key));
            values.removeDuplicates();
            if (values.size() > 1 && keys.size() < kDefaultParams)
                keys.append(key);
        }
        const QStringList &metrics =
            runs.historyKeys.isEmpty() ? runs.metricKeys : runs.historyKeys;
        for (const QString &metric : metrics.mid(0, kDefaultMetrics))
            keys.append(QStringLiteral("metrics.") + metric);
        m_keys->setChosen(keys, true);
    }
    draw();
    Q_EMIT updated();
}

void ParallelPage::setChosenKeys(const QStringList &keys)
{
    m_keys->setChosen(keys);
}

QStringList ParallelPage::chosenKeys() const
{
    return m_keys->chosen();
}

void ParallelPage::draw()
{
    QStringList ids;
    QStringList names;
    for (const tracking::Run &run : std::as_const(m_runs.runs)) {
        ids.append(run.info.runId);
        names.append(CompareRunSet::label(run));
    }
    QList<ParallelAxis> axes;
    for (const QString &key : m_keys->chosen()) {
        const KeyPlacement placement = placeRuns(m_runs.runs, key);
        axes.append({key, placement.positions, placement.categories});
    }
    m_view->setData(ids, names, m_runs.colours, axes);
}

QWidget *ParallelPage::exportTarget()
{
    return m_view;
}

QList<QStringList> ParallelPage::dataRows() const
{
    QStringList header{QStringLiteral("run_id"), QStringLiteral("run_name"),
                       QStringLiteral("in_brush")};
    const QStringList keys = m_keys->chosen();
    header.append(keys);
    QList<QStringList> rows{header};
    const QStringList passing = m_view->passingRunIds();
    for (const tracking::Run &run : m_runs.runs) {
        QStringList row{run.info.runId, run.info.runName,
                        passing.contains(run.info.runId) ? QStringLiteral("yes")
                                                         : QStringLiteral("no")};
        for (const QString &key : keys)
            row.append(CompareRunSet::textValue(run, key));
        rows.append(row);
    }
    return rows;
}

} // namespace millrace::ui
