#include "ui/panels/experiments/compare/barpage.h"

#include "core/base/job.h"
#include "ui/panels/experiments/compare/chartstyle.h"
#include "ui/panels/experiments/compare/keychooser.h"
#include "ui/uilog.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QLabel>
#include <QLocale>
#include <QToolTip>
#include <QValueAxis>

#include <cmath>
#include <limits>

namespace millrace::ui {

namespace {

constexpr int kDefaultKeys = 4;
// More bars per group than this and the legend would hide the chart.
constexpr int kMaxLegendRuns = 24;

struct RangesOutcome
{
    RunMetricRanges ranges;
    QString error;
};

} // namespace

} // namespace millrace::ui

Q_DECLARE_METATYPE(millrace::ui::RangesOutcome)

namespace millrace::ui {

BarPage::BarPage(QWidget *parent)
    : ComparePage(parent), m_keys(new KeyChooser(tr("Metrics"))), m_aggregate(new QComboBox),
      m_note(new QLabel), m_view(new QChartView)
{
    m_keys->setObjectName(QStringLiteral("barMetrics"));
    m_aggregate->setObjectName(QStringLiteral("barAggregate"));
    m_aggregate->addItem(tr("Last value"), int(Aggregate::Last));
    m_aggregate->addItem(tr("Lowest value"), int(Aggregate::Min));
    m_aggregate->addItem(tr("Highest value"), int(Aggregate::Max));
    m_note->setForegroundRole(QPalette::PlaceholderText);
    m_view->setObjectName(QStringLiteral("barChart"));
    m_view->setRenderHint(QPainter::Antialiasing);

    setUpLayout({m_keys, m_aggregate}, m_view, m_note);

    connect(m_keys, &KeyChooser::chosenChanged, this, &BarPage::draw);
    connect(m_aggregate, &QComboBox::currentIndexChanged, this, &BarPage::reload);
    draw();
}

BarPage::~BarPage()
{
    delete m_job;
}

void BarPage::setSource(const CompareSource &source)
{
    delete m_job;
    m_source = source;
    m_rangesSignature.clear();
    m_ranges.clear();
    reload();
}

void BarPage::setRunSet(const CompareRunSet &runs)
{
    m_runs = runs;
    m_keys->setKeys(runs.metricKeys);
    if (!m_keys->hasChoice())
        m_keys->setChosen(runs.metricKeys.mid(0, kDefaultKeys), true);
    reload();
}

void BarPage::setChosenKeys(const QStringList &keys)
{
    m_keys->setChosen(keys);
}

QStringList BarPage::chosenKeys() const
{
    return m_keys->chosen();
}

void BarPage::setAggregate(Aggregate aggregate)
{
    m_aggregate->setCurrentIndex(m_aggregate->findData(int(aggregate)));
}

BarPage::Aggregate BarPage::aggregate() const
{
    return Aggregate(m_aggregate->currentData().toInt());
}

double BarPage::value(int runIndex, const QString &key) const
{
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    if (runIndex < 0 || runIndex >= m_runs.runs.size())
        return nan;
    const tracking::Run &run = m_runs.runs[runIndex];
    if (aggregate() == Aggregate::Last)
        return CompareRunSet::latestMetric(run, key);
    const auto runRanges = m_ranges.constFind(run.info.runId);
    if (runRanges == m_ranges.cend() || !runRanges->contains(key))
        return nan;
    const tracking::MetricRange range = runRanges->value(key);
    return aggregate() == Aggregate::Min ? range.min : range.max;
}

void BarPage::reload()
{
    if (aggregate() == Aggregate::Last || !m_source.tracking) {
        draw();
        Q_EMIT updated();
        return;
    }
    // The ranges change when any run logs a new point: the latest points say so cheaply.
    QStringList runIds;
    for (const tracking::Run &run : std::as_const(m_runs.runs))
        runIds.append(run.info.runId);
    const QString signature = latestPointsSignature(m_runs.runs);
    if (signature == m_rangesSignature) {
        draw();
        Q_EMIT updated();
        return;
    }
    if (m_job && signature == m_loadingSignature) {
        draw(); // the runs may have changed in other ways; the ranges follow when read
        return;
    }
    delete m_job;
    m_loadingSignature = signature;
    const tracking::TrackingStore *tracking = m_source.tracking;
    m_job = Job::start(
        QStringLiteral("load metric ranges"),
        [tracking, runIds](JobContext &context) {
            RangesOutcome outcome;
            auto ranges = loadMetricRanges(*tracking, runIds, context.token());
            if (ranges)
                outcome.ranges = *ranges;
            else
                outcome.error = ranges.errorMessage();
            return QVariant::fromValue(outcome);
        },
        this, m_source.pool);
    Job *job = m_job;
    connect(job, &Job::succeeded, this, [this, job, signature](const QVariant &value) {
        job->deleteLater();
        m_job = nullptr;
        const auto outcome = value.value<RangesOutcome>();
        if (!outcome.error.isEmpty()) {
            qCWarning(lcUi).noquote() << "loading metric ranges failed:" << outcome.error;
            m_note->setText(tr("Could not read the metric histories: %1").arg(outcome.error));
            return;
        }
        m_ranges = outcome.ranges;
        m_rangesSignature = signature;
        draw();
        Q_EMIT updated();
    });
    connect(job, &Job::failed, this, [this, job](const QString &message) {
        job->deleteLater();
        m_job = nullptr;
        m_note->setText(tr("Could not read the metric histories: %1").arg(message));
    });
    draw();
}

void BarPage::draw()
{
    auto *chart = new QChart;
    applyChartStyle(chart, palette());
    const QStringList keys = m_keys->chosen();
    auto *series = new QBarSeries;
    double low = 0, high = 0;
    bool missing = false;
    for (int run = 0; run < m_runs.runs.size(); ++run) {
        auto *set = new QBarSet(CompareRunSet::label(m_runs.runs[run]));
        set->setColor(m_runs.colours.value(run));
        set->setBorderColor(m_runs.colours.value(run));
        for (const QString &key : keys) {
            const double v = value(run, key);
            // A bar set has no gaps: a missing value stands at zero and the note says so.
            if (!std::isfinite(v))
                missing = true;
            const double shown = std::isfinite(v) ? v : 0;
            set->append(shown);
            low = qMin(low, shown);
            high = qMax(high, shown);
        }
        series->append(set);
    }
    chart->addSeries(series);
    auto *categories = new QBarCategoryAxis;
    categories->append(keys);
    chart->addAxis(categories, Qt::AlignBottom);
    series->attachAxis(categories);
    auto *values = new QValueAxis;
    values->setLabelFormat(QStringLiteral("%.4g"));
    if (high == low)
        high = low + 1;
    values->setRange(low, high + (high - low) * 0.05);
    chart->addAxis(values, Qt::AlignLeft);
    series->attachAxis(values);
    chart->legend()->setVisible(!m_runs.runs.isEmpty() && m_runs.runs.size() <= kMaxLegendRuns);
    connect(series, &QBarSeries::hovered, this, [this](bool status, int index, QBarSet *set) {
        if (!status) {
            QToolTip::hideText();
            return;
        }
        QToolTip::showText(QCursor::pos(),
                           QStringLiteral("%1\n%2 = %3")
                               .arg(set->label(), m_keys->chosen().value(index),
                                    QLocale().toString(set->at(index), 'g', 6)),
                           m_view);
    });

    QStringList note;
    if (m_runs.runs.isEmpty())
        note << tr("Select runs in the table to compare their metrics.");
    else if (keys.isEmpty())
        note << tr("Choose the metrics to show.");
    if (aggregate() != Aggregate::Last && m_job)
        note << tr("Reading the metric histories…");
    if (missing)
        note << tr("a run without a value shows as 0");
    m_note->setText(note.join(QStringLiteral(" · ")));

    showChart(m_view, chart);
}

QWidget *BarPage::exportTarget()
{
    return m_view;
}

QList<QStringList> BarPage::dataRows() const
{
    const QString what = m_aggregate->currentText().toLower();
    QList<QStringList> rows{{QStringLiteral("run_id"), QStringLiteral("run_name"),
                             QStringLiteral("metric"), QStringLiteral("aggregate"),
                             QStringLiteral("value")}};
    for (int run = 0; run < m_runs.runs.size(); ++run) {
        for (const QString &key : m_keys->chosen()) {
            const double v = value(run, key);
            rows.append({m_runs.runs[run].info.runId, m_runs.runs[run].info.runName, key, what,
                         std::isnan(v) ? QString() : QString::number(v, 'g', 10)});
        }
    }
    return rows;
}

} // namespace millrace::ui
