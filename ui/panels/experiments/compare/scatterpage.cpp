#include "ui/panels/experiments/compare/scatterpage.h"

#include "ui/panels/experiments/compare/chartstyle.h"

#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QLabel>
#include <QLocale>
#include <QScatterSeries>
#include <QToolTip>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace millrace::ui {

namespace {

constexpr int kMaxLegendRuns = 24;

QAbstractAxis *makeAxis(const KeyPlacement &placement, const QString &title)
{
    double low = std::numeric_limits<double>::infinity(), high = -low;
    for (double position : placement.positions) {
        if (std::isfinite(position)) {
            low = qMin(low, position);
            high = qMax(high, position);
        }
    }
    if (!std::isfinite(low)) {
        low = 0;
        high = 1;
    }
    QAbstractAxis *axis = nullptr;
    if (!placement.categories.isEmpty()) {
        auto *categories = new QCategoryAxis;
        categories->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
        for (int i = 0; i < placement.categories.size(); ++i)
            categories->append(placement.categories[i], i);
        categories->setRange(-0.5, placement.categories.size() - 0.5);
        axis = categories;
    } else {
        auto *values = new QValueAxis;
        values->setLabelFormat(QStringLiteral("%.4g"));
        const double pad = high == low ? qMax(1.0, std::abs(low) * 0.1) : (high - low) * 0.06;
        values->setRange(low - pad, high + pad);
        axis = values;
    }
    axis->setTitleText(title);
    return axis;
}

} // namespace

ScatterPage::ScatterPage(QWidget *parent)
    : ComparePage(parent), m_x(new QComboBox), m_y(new QComboBox), m_note(new QLabel),
      m_view(new QChartView)
{
    m_x->setObjectName(QStringLiteral("scatterX"));
    m_y->setObjectName(QStringLiteral("scatterY"));
    m_x->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_y->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_note->setForegroundRole(QPalette::PlaceholderText);
    m_view->setObjectName(QStringLiteral("scatterChart"));
    m_view->setRenderHint(QPainter::Antialiasing);

    setUpLayout({new QLabel(tr("X:")), m_x, new QLabel(tr("Y:")), m_y}, m_view, m_note);

    connect(m_x, &QComboBox::currentIndexChanged, this, &ScatterPage::draw);
    connect(m_y, &QComboBox::currentIndexChanged, this, &ScatterPage::draw);
    draw();
}

void ScatterPage::setRunSet(const CompareRunSet &runs)
{
    m_runs = runs;
    fillChoices();
    draw();
    Q_EMIT updated();
}

void ScatterPage::fillChoices()
{
    const QString x = xKey();
    const QString y = yKey();
    const QSignalBlocker blockX(m_x);
    const QSignalBlocker blockY(m_y);
    m_x->clear();
    m_y->clear();
    for (const QString &key : m_runs.allKeys())
        m_x->addItem(key, key);
    for (const QString &metric : std::as_const(m_runs.metricKeys)) {
        const QString key = QStringLiteral("metrics.") + metric;
        m_y->addItem(key, key);
    }
    // Keep what was chosen; otherwise the first param against the first metric.
    const QString defaultX = m_runs.paramKeys.isEmpty()
                                 ? QStringLiteral("metrics.") + m_runs.metricKeys.value(1)
                                 : QStringLiteral("params.") + m_runs.paramKeys.first();
    m_x->setCurrentIndex(qMax(0, m_x->findData(x.isEmpty() ? defaultX : x)));
    const int yIndex = m_y->findData(y);
    m_y->setCurrentIndex(yIndex >= 0 ? yIndex : 0);
}

void ScatterPage::setAxes(const QString &xKey, const QString &yKey)
{
    const QSignalBlocker blockX(m_x);
    m_x->setCurrentIndex(m_x->findData(xKey));
    m_y->setCurrentIndex(m_y->findData(yKey));
    draw();
}

QString ScatterPage::xKey() const
{
    return m_x->currentData().toString();
}

QString ScatterPage::yKey() const
{
    return m_y->currentData().toString();
}

void ScatterPage::draw()
{
    auto *chart = new QChart;
    applyChartStyle(chart, palette());
    const QString xName = xKey();
    const QString yName = yKey();
    const KeyPlacement xs = placeRuns(m_runs.runs, xName);
    const KeyPlacement ys = placeRuns(m_runs.runs, yName);
    QAbstractAxis *xAxis = makeAxis(xs, xName);
    QAbstractAxis *yAxis = makeAxis(ys, yName);
    chart->addAxis(xAxis, Qt::AlignBottom);
    chart->addAxis(yAxis, Qt::AlignLeft);
    int placed = 0;
    for (int run = 0; run < m_runs.runs.size(); ++run) {
        const double x = xs.positions.value(run, std::nan(""));
        const double y = ys.positions.value(run, std::nan(""));
        if (!std::isfinite(x) || !std::isfinite(y))
            continue;
        ++placed;
        auto *series = new QScatterSeries;
        const QString label = CompareRunSet::label(m_runs.runs[run]);
        series->setName(label);
        series->setColor(m_runs.colours.value(run));
        series->setBorderColor(palette().color(QPalette::Base));
        series->setMarkerSize(12);
        series->append(x, y);
        chart->addSeries(series);
        series->attachAxis(xAxis);
        series->attachAxis(yAxis);
        const QString xText = CompareRunSet::textValue(m_runs.runs[run], xName);
        const QString yText = CompareRunSet::textValue(m_runs.runs[run], yName);
        connect(
            series, &QScatterSeries::hovered, this,
            [this, label, xName, yName, xText, yText](const QPointF &, bool state) {
                if (!state) {
                    QToolTip::hideText();
                    return;
                }
                QToolTip::showText(
                    QCursor::pos(),
                    QStringLiteral("%1\n%2 = %3\n%4 = %5").arg(label, xName, xText, yName, yText),
                    m_view);
            });
    }
    chart->legend()->setVisible(placed > 0 && placed <= kMaxLegendRuns);

    QString note;
    if (m_runs.runs.isEmpty())
        note = tr("Select runs in the table to compare them.");
    else if (yName.isEmpty())
        note = tr("The selected runs have no metrics to plot.");
    else if (placed < m_runs.runs.size())
        note = tr("%1 of %2 runs have both values").arg(placed).arg(m_runs.runs.size());
    m_note->setText(note);

    showChart(m_view, chart);
}

QWidget *ScatterPage::exportTarget()
{
    return m_view;
}

QList<QStringList> ScatterPage::dataRows() const
{
    QList<QStringList> rows{{QStringLiteral("run_id"), QStringLiteral("run_name"), xKey(), yKey()}};
    for (const tracking::Run &run : m_runs.runs)
        rows.append({run.info.runId, run.info.runName, CompareRunSet::textValue(run, xKey()),
                     CompareRunSet::textValue(run, yKey())});
    return rows;
}

} // namespace millrace::ui
