#include "ui/panels/streams/throughputchart.h"

#include "ui/panels/experiments/compare/chartstyle.h"
#include "ui/panels/streams/topictreemodel.h"

#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>

namespace millrace::ui {

namespace {

// A chart of a few seconds of history would stretch two points over its width: it spans half a
// minute at least, and grows up to the ten minutes the service keeps.
constexpr qint64 kMinimumSpanMs = 30 * 1000;

} // namespace

ThroughputChart::ThroughputChart(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(10);
    layout->addWidget(
        createPlot(m_rate, tr("Messages/s"), QStringLiteral("rateChart"), QColor(0x4e79a7)));
    layout->addWidget(
        createPlot(m_lag, tr("Consumer lag"), QStringLiteral("lagChart"), QColor(0xf28e2b)));
    styleCharts();
    setHistory({});
}

QWidget *ThroughputChart::createPlot(Plot &plot, const QString &title, const QString &objectName,
                                     QColor colour)
{
    plot.colour = colour;
    auto *chart = new QChart;
    chart->legend()->hide();
    plot.line = new QLineSeries;
    plot.baseline = new QLineSeries;
    plot.area = new QAreaSeries(plot.line, plot.baseline);
    plot.area->setName(title);
    chart->addSeries(plot.area);
    plot.time = new QDateTimeAxis;
    plot.time->setFormat(QStringLiteral("HH:mm:ss"));
    plot.time->setTickCount(5);
    plot.values = new QValueAxis;
    plot.values->setLabelFormat(QStringLiteral("%.0f"));
    chart->addAxis(plot.time, Qt::AlignBottom);
    chart->addAxis(plot.values, Qt::AlignLeft);
    plot.area->attachAxis(plot.time);
    plot.area->attachAxis(plot.values);

    plot.view = new QChartView(chart);
    plot.view->setObjectName(objectName);
    plot.view->setRenderHint(QPainter::Antialiasing);
    plot.view->setMinimumHeight(120);

    auto *heading = new QLabel(title);
    QFont bold = heading->font();
    bold.setBold(true);
    heading->setFont(bold);
    plot.headline = new QLabel;
    plot.headline->setObjectName(objectName + QStringLiteral("Headline"));
    plot.headline->setForegroundRole(QPalette::PlaceholderText);
    auto *top = new QHBoxLayout;
    top->setContentsMargins(4, 0, 4, 0);
    top->addWidget(heading);
    top->addStretch(1);
    top->addWidget(plot.headline);

    auto *box = new QWidget;
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(top);
    layout->addWidget(plot.view, 1);
    return box;
}

void ThroughputChart::styleCharts()
{
    for (Plot *plot : {&m_rate, &m_lag}) {
        QChart *chart = plot->view->chart();
        applyChartStyle(chart, palette());
        chart->setMargins(QMargins(2, 2, 6, 2));
        const QColor text = palette().color(QPalette::Text);
        QColor grid = palette().color(QPalette::Mid);
        grid.setAlpha(90);
        for (QAbstractAxis *axis : {static_cast<QAbstractAxis *>(plot->time),
                                    static_cast<QAbstractAxis *>(plot->values)}) {
            axis->setLabelsColor(text);
            axis->setGridLineColor(grid);
            axis->setLinePenColor(grid);
            QFont font = axis->labelsFont();
            font.setPointSizeF(font.pointSizeF() * 0.85);
            axis->setLabelsFont(font);
        }
        QPen pen(plot->colour, 2);
        plot->area->setPen(pen);
        QColor fill = plot->colour;
        fill.setAlpha(60);
        plot->area->setBrush(fill);
    }
}

void ThroughputChart::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    // The plot area follows the new size once the chart lays itself out.
    QMetaObject::invokeMethod(
        this, [this] { setHistory(std::vector<streams::ThroughputPoint>(m_history)); },
        Qt::QueuedConnection);
}

void ThroughputChart::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        styleCharts();
}

void ThroughputChart::setHistory(const std::vector<streams::ThroughputPoint> &history)
{
    m_history = history;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 lastMs = history.empty() ? now : history.back().atMs;
    const qint64 firstMs =
        std::min(history.empty() ? now : history.front().atMs, lastMs - kMinimumSpanMs);
    std::vector<QPointF> rates;
    std::vector<QPointF> lags;
    rates.reserve(history.size());
    lags.reserve(history.size());
    for (const streams::ThroughputPoint &point : history) {
        rates.emplace_back(double(point.atMs), point.messagesPerSecond);
        lags.emplace_back(double(point.atMs), double(point.lag));
    }
    plot(m_rate, rates, firstMs, lastMs,
         history.empty() ? QString()
                         : tr("now %1").arg(formatRate(history.back().messagesPerSecond)));
    plot(m_lag, lags, firstMs, lastMs,
         history.empty() ? QString() : tr("now %1").arg(formatCount(history.back().lag)));
}

void ThroughputChart::plot(Plot &target, const std::vector<QPointF> &points, qint64 firstMs,
                           qint64 lastMs, const QString &headline)
{
    QList<QPointF> line(points.begin(), points.end());
    QList<QPointF> base;
    base.reserve(line.size());
    double top = 0;
    for (const QPointF &point : std::as_const(line)) {
        base.append(QPointF(point.x(), 0));
        top = std::max(top, point.y());
    }
    target.line->replace(line);
    target.baseline->replace(base);
    target.time->setRange(QDateTime::fromMSecsSinceEpoch(firstMs),
                          QDateTime::fromMSecsSinceEpoch(lastMs));
    // As many value labels as the plot's height has room for, so none is elided to "...".
    const int rowHeight = target.view->fontMetrics().height() * 2;
    const int ticks = std::clamp(int(target.view->chart()->plotArea().height()) / rowHeight, 2, 5);
    const NiceRange range = niceRange(0, std::max(top * 1.1, 10.0), ticks);
    if (target.values->min() != range.min || target.values->max() != range.max) {
        target.values->setRange(range.min, range.max);
        target.values->setTickCount(range.ticks);
    }
    target.headline->setText(headline);
}

int ThroughputChart::pointCount() const
{
    return int(m_rate.line->count());
}

} // namespace millrace::ui
