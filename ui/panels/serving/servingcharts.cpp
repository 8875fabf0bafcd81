#include "ui/panels/serving/servingcharts.h"

#include "ui/panels/experiments/compare/chartstyle.h"

#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegend>
#include <QLineSeries>
#include <QLocale>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <climits>
#include <cmath>

namespace millrace::ui {

namespace {

// A chart of a few seconds would stretch two points over its width: it spans a minute at
// least, and grows up to the window.
constexpr qint64 kMinimumSpanMs = 60 * 1000;

const QColor kRequestsColour(0x4e79a7);
const QColor kP50Colour(0x59a14f);
const QColor kP99Colour(0xe15759);

QString milliseconds(double value)
{
    if (!std::isfinite(value))
        return QStringLiteral("–");
    return value < 10 ? QStringLiteral("%1 ms").arg(value, 0, 'f', 1)
                      : QStringLiteral("%1 ms").arg(std::lround(value));
}

QDateTimeAxis *timeAxis()
{
    auto *axis = new QDateTimeAxis;
    axis->setFormat(QStringLiteral("HH:mm:ss"));
    axis->setTickCount(4);
    return axis;
}

// Sets `axis` to a round range over 0..top with as many labels as `view`'s height has room
// for, so none is elided.
void fitValues(QValueAxis *axis, QChartView *view, double top, double floor)
{
    const int rowHeight = view->fontMetrics().height() * 2;
    const int ticks = std::clamp(int(view->chart()->plotArea().height()) / rowHeight, 2, 5);
    const NiceRange range = niceRange(0, std::max(top * 1.1, floor), ticks);
    const QString format = range.max < 5 ? QStringLiteral("%.1f") : QStringLiteral("%.0f");
    if (axis->labelFormat() != format)
        axis->setLabelFormat(format);
    if (axis->min() != range.min || axis->max() != range.max || axis->tickCount() != range.ticks) {
        axis->setRange(range.min, range.max);
        axis->setTickCount(range.ticks);
    }
}

} // namespace

ServingCharts::ServingCharts(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("servingCharts"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(10);
    layout->addWidget(createRequestsPlot(), 1);
    layout->addWidget(createLatencyPlot(), 1);
    styleCharts();
    replot();
}

QWidget *ServingCharts::createRequestsPlot()
{
    auto *chart = new QChart;
    chart->legend()->hide();
    m_requests = new QLineSeries;
    m_requestsBase = new QLineSeries;
    m_requestsArea = new QAreaSeries(m_requests, m_requestsBase);
    m_requestsArea->setName(tr("Requests/s"));
    chart->addSeries(m_requestsArea);
    m_requestsTime = timeAxis();
    m_requestsValues = new QValueAxis;
    chart->addAxis(m_requestsTime, Qt::AlignBottom);
    chart->addAxis(m_requestsValues, Qt::AlignLeft);
    m_requestsArea->attachAxis(m_requestsTime);
    m_requestsArea->attachAxis(m_requestsValues);
    m_requestsView = new QChartView(chart);
    m_requestsView->setObjectName(QStringLiteral("requestsChart"));
    m_requestsHeadline = new QLabel;
    m_requestsHeadline->setObjectName(QStringLiteral("requestsHeadline"));
    return framePlot(m_requestsView, tr("Requests/s"), m_requestsHeadline);
}

QWidget *ServingCharts::createLatencyPlot()
{
    auto *chart = new QChart;
    chart->legend()->hide(); // the headline names the lines in their colours
    m_p50 = new QLineSeries;
    m_p50->setName(tr("p50"));
    m_p99 = new QLineSeries;
    m_p99->setName(tr("p99"));
    chart->addSeries(m_p99);
    chart->addSeries(m_p50);
    m_latencyTime = timeAxis();
    m_latencyValues = new QValueAxis;
    chart->addAxis(m_latencyTime, Qt::AlignBottom);
    chart->addAxis(m_latencyValues, Qt::AlignLeft);
    for (QLineSeries *series : {m_p50, m_p99}) {
        series->attachAxis(m_latencyTime);
        series->attachAxis(m_latencyValues);
    }
    m_latencyView = new QChartView(chart);
    m_latencyView->setObjectName(QStringLiteral("latencyChart"));
    m_latencyHeadline = new QLabel;
    m_latencyHeadline->setObjectName(QStringLiteral("latencyHeadline"));
    m_latencyHeadline->setTextFormat(Qt::RichText);
    return framePlot(m_latencyView, tr("Latency (ms)"), m_latencyHeadline);
}

QWidget *ServingCharts::framePlot(QChartView *view, const QString &title, QLabel *headline)
{
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(130);
    auto *heading = new QLabel(title);
    QFont bold = heading->font();
    bold.setBold(true);
    heading->setFont(bold);
    headline->setForegroundRole(QPalette::PlaceholderText);
    auto *top = new QHBoxLayout;
    top->setContentsMargins(4, 0, 4, 0);
    top->addWidget(heading);
    top->addStretch(1);
    top->addWidget(headline);

    auto *box = new QWidget;
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(top);
    layout->addWidget(view, 1);
    return box;
}

void ServingCharts::styleCharts()
{
    const QColor text = palette().color(QPalette::Text);
    QColor grid = palette().color(QPalette::Mid);
    grid.setAlpha(90);
    for (QChartView *view : {m_requestsView, m_latencyView}) {
        QChart *chart = view->chart();
        applyChartStyle(chart, palette());
        chart->setMargins(QMargins(2, 2, 6, 2));
        for (QAbstractAxis *axis : chart->axes()) {
            axis->setLabelsColor(text);
            axis->setGridLineColor(grid);
            axis->setLinePenColor(grid);
            QFont font = axis->labelsFont();
            font.setPointSizeF(font.pointSizeF() * 0.85);
            axis->setLabelsFont(font);
        }
    }
    m_requestsArea->setPen(QPen(kRequestsColour, 2));
    QColor fill = kRequestsColour;
    fill.setAlpha(60);
    m_requestsArea->setBrush(fill);
    m_p50->setPen(QPen(kP50Colour, 2));
    m_p99->setPen(QPen(kP99Colour, 2));
}

void ServingCharts::addSample(const TrafficSample &sample)
{
    m_samples.push_back(sample);
    while (!m_samples.empty() && sample.atMs - m_samples.front().atMs > kWindowMs)
        m_samples.pop_front();
    replot();
}

void ServingCharts::clear()
{
    m_samples.clear();
    replot();
}

void ServingCharts::replot()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 lastMs = m_samples.empty() ? now : m_samples.back().atMs;
    const qint64 firstMs =
        std::min(m_samples.empty() ? now : m_samples.front().atMs, lastMs - kMinimumSpanMs);

    QList<QPointF> requests;
    QList<QPointF> base;
    QList<QPointF> p50;
    QList<QPointF> p99;
    double topRate = 0;
    double topLatency = 0;
    for (const TrafficSample &sample : m_samples) {
        const double x = double(sample.atMs);
        requests.append({x, sample.requestsPerSecond});
        base.append({x, 0});
        topRate = std::max(topRate, sample.requestsPerSecond);
        // A second without requests has no latency: the line passes over it.
        if (std::isfinite(sample.p50Ms) && std::isfinite(sample.p99Ms)) {
            p50.append({x, sample.p50Ms});
            p99.append({x, sample.p99Ms});
            topLatency = std::max(topLatency, sample.p99Ms);
        }
    }
    m_requests->replace(requests);
    m_requestsBase->replace(base);
    m_p50->replace(p50);
    m_p99->replace(p99);
    for (QDateTimeAxis *axis : {m_requestsTime, m_latencyTime})
        axis->setRange(QDateTime::fromMSecsSinceEpoch(firstMs),
                       QDateTime::fromMSecsSinceEpoch(lastMs));
    fitValues(m_requestsValues, m_requestsView, topRate, 10);
    fitValues(m_latencyValues, m_latencyView, topLatency, 1);

    if (m_samples.empty()) {
        m_requestsHeadline->clear();
        m_latencyHeadline->clear();
        return;
    }
    const TrafficSample &last = m_samples.back();
    const QLocale locale;
    m_requestsHeadline->setText(
        tr("now %1/s · %n error(s)", nullptr, int(std::min<quint64>(last.errors, INT_MAX)))
            .arg(
                locale.toString(last.requestsPerSecond, 'f', last.requestsPerSecond < 10 ? 1 : 0)));
    const auto swatch = [](const QColor &colour) {
        return QStringLiteral("<span style=\"color:%1\">&#9679;</span>").arg(colour.name());
    };
    m_latencyHeadline->setText(tr("%1 p50 %2 &nbsp; %3 p99 %4")
                                   .arg(swatch(kP50Colour), milliseconds(last.p50Ms),
                                        swatch(kP99Colour), milliseconds(last.p99Ms)));
}

void ServingCharts::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    // The value axes' label count follows the plot height once the charts lay themselves out.
    QMetaObject::invokeMethod(this, &ServingCharts::replot, Qt::QueuedConnection);
}

void ServingCharts::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        styleCharts();
}

} // namespace millrace::ui
