#include "ui/panels/experiments/compare/historypage.h"

#include "core/base/job.h"
#include "ui/panels/experiments/compare/chartstyle.h"
#include "ui/panels/experiments/compare/keychooser.h"
#include "ui/uilog.h"

#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLocale>
#include <QLogValueAxis>
#include <QSlider>
#include <QToolTip>
#include <QValueAxis>

#include <cmath>
#include <limits>

namespace millrace::ui {

namespace {

// Sets `axis` to round numbers around [min, max] in one step (see niceRange()).
void setNiceRange(QValueAxis *axis, double min, double max)
{
    const NiceRange nice = niceRange(min, max, axis->tickCount());
    if (axis->tickCount() != nice.ticks)
        axis->setTickCount(nice.ticks);
    axis->setRange(nice.min, nice.max);
}

// Metrics drawn when the user has not chosen yet: the first few with a history.
constexpr int kDefaultKeys = 3;

struct HistoryOutcome
{
    QList<HistorySeries> series;
    QString error;
};

Qt::PenStyle keyPenStyle(int keyIndex)
{
    static const Qt::PenStyle styles[] = {Qt::SolidLine, Qt::DashLine, Qt::DotLine, Qt::DashDotLine,
                                          Qt::DashDotDotLine};
    return styles[keyIndex % 5];
}

QString axisTitle(HistoryAxis axis)
{
    switch (axis) {
    case HistoryAxis::Step:
        return HistoryPage::tr("Step");
    case HistoryAxis::WallTime:
        return HistoryPage::tr("Time");
    case HistoryAxis::RelativeTime:
        return HistoryPage::tr("Relative time (s)");
    }
    return QString();
}

} // namespace

} // namespace millrace::ui

Q_DECLARE_METATYPE(millrace::ui::HistoryOutcome)

namespace millrace::ui {

HistoryPage::HistoryPage(QWidget *parent)
    : ComparePage(parent), m_keys(new KeyChooser(tr("Metrics"))), m_axis(new QComboBox),
      m_smoothing(new QSlider(Qt::Horizontal)), m_logScale(new QCheckBox(tr("Log scale"))),
      m_bands(new QCheckBox(tr("Min/max band"))), m_note(new QLabel), m_view(new QChartView)
{
    m_keys->setObjectName(QStringLiteral("historyMetrics"));
    m_axis->setObjectName(QStringLiteral("historyAxis"));
    m_axis->addItem(tr("Step"), int(HistoryAxis::Step));
    m_axis->addItem(tr("Wall time"), int(HistoryAxis::WallTime));
    m_axis->addItem(tr("Relative time"), int(HistoryAxis::RelativeTime));
    m_smoothing->setObjectName(QStringLiteral("historySmoothing"));
    m_smoothing->setRange(0, 99);
    m_smoothing->setMaximumWidth(120);
    m_smoothing->setToolTip(tr("Smoothing: exponential moving average, as in MLflow"));
    m_logScale->setObjectName(QStringLiteral("historyLogScale"));
    m_bands->setObjectName(QStringLiteral("historyBands"));
    m_bands->setChecked(true);
    m_bands->setToolTip(tr("Where a line was downsampled for drawing, shade the lowest and highest "
                           "values each drawn point stands for"));
    m_note->setObjectName(QStringLiteral("historyNote"));
    m_note->setForegroundRole(QPalette::PlaceholderText);
    m_view->setObjectName(QStringLiteral("historyChart"));
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setRubberBand(QChartView::RectangleRubberBand);
    m_view->setToolTip(tr("Drag to zoom in, right-click to zoom out"));

    setUpLayout({m_keys, new QLabel(tr("X:")), m_axis, new QLabel(tr("Smoothing:")), m_smoothing,
                 m_logScale, m_bands},
                m_view, m_note);

    connect(m_keys, &KeyChooser::chosenChanged, this, &HistoryPage::reload);
    connect(m_axis, &QComboBox::currentIndexChanged, this, &HistoryPage::reload);
    connect(m_smoothing, &QSlider::valueChanged, this, &HistoryPage::reload);
    connect(m_logScale, &QCheckBox::toggled, this, &HistoryPage::draw);
    connect(m_bands, &QCheckBox::toggled, this, &HistoryPage::draw);
    draw();
}

HistoryPage::~HistoryPage()
{
    delete m_job;
}

void HistoryPage::setSource(const CompareSource &source)
{
    delete m_job;
    m_source = source;
    m_loadedSignature.clear();
    m_loadingSignature.clear();
    reload();
}

void HistoryPage::setRunSet(const CompareRunSet &runs)
{
    m_runs = runs;
    m_keys->setKeys(runs.historyKeys.isEmpty() ? runs.metricKeys : runs.historyKeys);
    if (!m_keys->hasChoice()) {
        const QStringList offered = m_keys->keys();
        m_keys->setChosen(offered.mid(0, kDefaultKeys), true);
    }
    reload();
}

QStringList HistoryPage::chosenKeys() const
{
    return m_keys->chosen();
}

void HistoryPage::setChosenKeys(const QStringList &keys)
{
    m_keys->setChosen(keys);
}

void HistoryPage::setAxis(HistoryAxis axis)
{
    m_axis->setCurrentIndex(m_axis->findData(int(axis)));
}

void HistoryPage::setSmoothing(double weight)
{
    m_smoothing->setValue(qRound(weight * 100));
}

void HistoryPage::setLogScale(bool on)
{
    m_logScale->setChecked(on);
}

QString HistoryPage::dataSignature() const
{
    // What the drawn data depends on: settings, runs, and for each run the latest point of each
    // chosen metric (a new point moves it, so a run being logged redraws, an idle one does not).
    const QStringList parts{m_axis->currentData().toString(), QString::number(m_smoothing->value()),
                            m_keys->chosen().join(QLatin1Char(',')),
                            latestPointsSignature(m_runs.runs, m_keys->chosen())};
    return parts.join(QLatin1Char('|'));
}

void HistoryPage::reload()
{
    const QString signature = dataSignature();
    if (signature == m_loadedSignature || (m_job && signature == m_loadingSignature))
        return;
    delete m_job;
    if (!m_source.tracking || m_runs.runs.isEmpty() || m_keys->chosen().isEmpty()) {
        m_series.clear();
        m_loadedSignature = signature;
        draw();
        Q_EMIT updated();
        return;
    }
    HistoryRequest request;
    for (const tracking::Run &run : std::as_const(m_runs.runs))
        request.runIds.append(run.info.runId);
    request.keys = m_keys->chosen();
    request.axis = HistoryAxis(m_axis->currentData().toInt());
    request.smoothing = m_smoothing->value() / 100.0;
    const tracking::TrackingStore *tracking = m_source.tracking;
    m_loadingSignature = signature;
    m_job = Job::start(
        QStringLiteral("load metric histories"),
        [tracking, request](JobContext &context) {
            HistoryOutcome outcome;
            auto series = loadHistories(*tracking, request, context.token());
            if (series)
                outcome.series = *series;
            else
                outcome.error = series.errorMessage();
            return QVariant::fromValue(outcome);
        },
        this, m_source.pool);
    Job *job = m_job;
    connect(job, &Job::succeeded, this,
            [this, job, signature, axis = request.axis](const QVariant &value) {
                job->deleteLater();
                m_job = nullptr;
                const auto outcome = value.value<HistoryOutcome>();
                if (!outcome.error.isEmpty()) {
                    qCWarning(lcUi).noquote()
                        << "loading metric histories failed:" << outcome.error;
                    m_note->setText(tr("Could not read the histories: %1").arg(outcome.error));
                    return;
                }
                m_series = outcome.series;
                m_seriesAxis = axis;
                m_loadedSignature = signature;
                draw();
                Q_EMIT updated();
            });
    connect(job, &Job::failed, this, [this, job](const QString &message) {
        job->deleteLater();
        m_job = nullptr;
        m_note->setText(tr("Could not read the histories: %1").arg(message));
    });
}

namespace {

// One drawn line and its band, in chart coordinates, before it becomes chart series.
struct DrawnLine
{
    int run = -1;
    QString key;
    QList<QPointF> line;
    QList<QPointF> high;
    QList<QPointF> low;
    bool band = false;
};

} // namespace

void HistoryPage::draw()
{
    const int count = int(m_series.size());
    const bool decorate = count <= kMaxDecoratedSeries;
    const bool log = m_logScale->isChecked();
    const bool bands = m_bands->isChecked() && decorate;
    const QStringList keys = m_keys->chosen();

    QHash<QString, int> runIndex;
    for (int i = 0; i < m_runs.runs.size(); ++i)
        runIndex.insert(m_runs.runs[i].info.runId, i);

    double xMin = std::numeric_limits<double>::infinity(), xMax = -xMin;
    double yMin = xMin, yMax = -xMin;
    qint64 logged = 0, drawn = 0;
    bool droppedForLog = false, anyDownsampled = false;
    auto usable = [log](double y) { return std::isfinite(y) && (!log || y > 0); };
    QList<DrawnLine> lines;
    lines.reserve(count);
    QStringList layout; // what the chart's series are, to reuse them when only points change
    for (const HistorySeries &series : std::as_const(m_series)) {
        DrawnLine drawnLine;
        drawnLine.run = runIndex.value(series.runId, -1);
        if (drawnLine.run < 0)
            continue; // a run no longer compared
        drawnLine.key = series.key;
        const auto &points = series.data.points;
        drawnLine.line.reserve(points.size());
        for (const tracking::SeriesPoint &point : points) {
            if (!usable(point.y)) {
                droppedForLog = droppedForLog || std::isfinite(point.y);
                continue;
            }
            drawnLine.line.append({point.x, point.y});
            xMin = qMin(xMin, point.x);
            xMax = qMax(xMax, point.x);
            yMin = qMin(yMin, point.y);
            yMax = qMax(yMax, point.y);
        }
        logged += series.loggedPoints;
        drawn += drawnLine.line.size();
        anyDownsampled = anyDownsampled || series.downsampled();
        drawnLine.band = bands && series.downsampled();
        if (drawnLine.band) {
            for (int i = 0; i < points.size(); ++i) {
                if (!usable(series.data.low[i]) || !usable(series.data.high[i]))
                    continue;
                drawnLine.high.append({points[i].x, series.data.high[i]});
                drawnLine.low.append({points[i].x, series.data.low[i]});
                yMin = qMin(yMin, series.data.low[i]);
                yMax = qMax(yMax, series.data.high[i]);
            }
        }
        layout.append(QStringLiteral("%1|%2|%3|%4")
                          .arg(series.runId, series.key)
                          .arg(drawnLine.band)
                          .arg(m_runs.colours.value(drawnLine.run).name()));
        lines.append(std::move(drawnLine));
    }
    layout.append(QStringLiteral("axis %1 log %2 keys %3 base %4")
                      .arg(int(m_seriesAxis))
                      .arg(log)
                      .arg(keys.join(QLatin1Char(',')), palette().color(QPalette::Base).name()));

    // A chart of hundreds of lines takes a while to build and to tear down; when only the points
    // moved (new steps logged, another smoothing), the lines already there take the new points.
    QChart *chart = m_view->chart();
    const bool reuse = layout == m_chartLayout && chart;
    QAbstractAxis *xAxis = nullptr;
    QAbstractAxis *yAxis = nullptr;
    if (reuse) {
        xAxis = chart->axes(Qt::Horizontal).value(0);
        yAxis = chart->axes(Qt::Vertical).value(0);
        const QList<QAbstractSeries *> existing = chart->series();
        int next = 0;
        for (const DrawnLine &drawnLine : std::as_const(lines)) {
            if (drawnLine.band) {
                auto *band = static_cast<QAreaSeries *>(existing[next++]);
                band->upperSeries()->replace(drawnLine.high);
                band->lowerSeries()->replace(drawnLine.low);
            }
            static_cast<QLineSeries *>(existing[next++])->replace(drawnLine.line);
        }
    } else {
        chart = new QChart;
        applyChartStyle(chart, palette());
        chart->legend()->setVisible(decorate && !lines.isEmpty());
        if (m_seriesAxis == HistoryAxis::WallTime) {
            auto *axis = new QDateTimeAxis;
            axis->setFormat(QStringLiteral("MM-dd HH:mm:ss"));
            xAxis = axis;
        } else {
            auto *axis = new QValueAxis;
            axis->setLabelFormat(QStringLiteral("%.6g"));
            xAxis = axis;
        }
        xAxis->setTitleText(axisTitle(m_seriesAxis));
        if (log) {
            auto *axis = new QLogValueAxis;
            axis->setLabelFormat(QStringLiteral("%.3g"));
            axis->setMinorTickCount(-1);
            yAxis = axis;
        } else {
            auto *axis = new QValueAxis;
            axis->setLabelFormat(QStringLiteral("%.4g"));
            yAxis = axis;
        }
        yAxis->setTitleText(keys.size() == 1 ? keys.first() : tr("Value"));
        chart->addAxis(xAxis, Qt::AlignBottom);
        chart->addAxis(yAxis, Qt::AlignLeft);
        for (const DrawnLine &drawnLine : std::as_const(lines))
            addLine(chart, xAxis, yAxis, drawnLine.run, drawnLine.key, drawnLine.line,
                    drawnLine.band ? &drawnLine.high : nullptr, &drawnLine.low, count);
    }
    // Antialiasing hundreds of overlapping lines costs more than it shows.
    m_view->setRenderHint(QPainter::Antialiasing, count <= kMaxDecoratedSeries * 2);

    if (drawn > 0) {
        if (xMax == xMin) {
            xMin -= 1;
            xMax += 1;
        }
        if (yMax == yMin) {
            const double pad = yMin == 0 ? 1 : std::abs(yMin) * 0.1;
            yMin = log ? yMin / 2 : yMin - pad;
            yMax += pad;
        } else if (!log) {
            const double pad = (yMax - yMin) * 0.04;
            yMin -= pad;
            yMax += pad;
        }
        if (m_seriesAxis == HistoryAxis::WallTime) {
            xAxis->setRange(QDateTime::fromMSecsSinceEpoch(qint64(xMin)),
                            QDateTime::fromMSecsSinceEpoch(qint64(std::ceil(xMax))));
        } else {
            // Round ticks (0, 2,500, 5,000) read better than the data's own ends.
            setNiceRange(static_cast<QValueAxis *>(xAxis), xMin, xMax);
        }
        if (auto *values = qobject_cast<QValueAxis *>(yAxis))
            setNiceRange(values, yMin, yMax);
        else
            yAxis->setRange(yMin, yMax);
    }

    QStringList note;
    if (m_runs.runs.isEmpty())
        note << tr("Select runs in the table to compare their metric histories.");
    else if (keys.isEmpty())
        note << tr("Choose the metrics to draw.");
    else if (count == 0 && !m_loadedSignature.isEmpty())
        note << tr("The selected runs logged none of the chosen metrics.");
    if (count > 0) {
        const QLocale locale;
        note << (count == 1 ? tr("1 line") : tr("%1 lines").arg(count));
        note << tr("%1 points logged").arg(locale.toString(logged));
        if (anyDownsampled)
            note << tr("%1 drawn (downsampled)").arg(locale.toString(drawn));
    }
    if (droppedForLog)
        note << tr("values ≤ 0 are left out on the log scale");
    if (!decorate)
        note << tr("legend and bands are hidden above %1 lines").arg(kMaxDecoratedSeries);
    m_note->setText(note.join(QStringLiteral(" · ")));

    if (!reuse) {
        showChart(m_view, chart);
        m_chartLayout = layout;
    }
}

void HistoryPage::addLine(QChart *chart, QAbstractAxis *xAxis, QAbstractAxis *yAxis, int run,
                          const QString &key, const QList<QPointF> &points,
                          const QList<QPointF> *high, const QList<QPointF> *low, int lineCount)
{
    const QColor colour = m_runs.colours.value(run, palette().color(QPalette::Text));
    if (high) {
        auto *upper = new QLineSeries;
        auto *lower = new QLineSeries;
        upper->replace(*high);
        lower->replace(*low);
        auto *band = new QAreaSeries(upper, lower);
        QColor fill = colour;
        fill.setAlphaF(0.22f);
        band->setBrush(fill);
        band->setPen(Qt::NoPen);
        chart->addSeries(band);
        band->attachAxis(xAxis);
        band->attachAxis(yAxis);
        for (QLegendMarker *marker : chart->legend()->markers(band))
            marker->setVisible(false);
    }

    const QStringList keys = m_keys->chosen();
    const QString label = CompareRunSet::label(m_runs.runs[run]);
    auto *line = new QLineSeries;
    line->setName(keys.size() > 1 ? QStringLiteral("%1 · %2").arg(label, key) : label);
    line->replace(points);
    QPen pen(colour);
    pen.setWidthF(lineCount > 60 ? 1.0 : 1.8);
    pen.setStyle(keyPenStyle(int(keys.indexOf(key))));
    line->setPen(pen);
    chart->addSeries(line);
    line->attachAxis(xAxis);
    line->attachAxis(yAxis);
    const HistoryAxis axis = m_seriesAxis;
    connect(line, &QLineSeries::hovered, this,
            [this, label, key, axis](const QPointF &point, bool state) {
                if (!state) {
                    QToolTip::hideText();
                    return;
                }
                const QString x = axis == HistoryAxis::WallTime
                                      ? QDateTime::fromMSecsSinceEpoch(qint64(point.x()))
                                            .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))
                                      : QLocale().toString(point.x(), 'g', 8);
                QToolTip::showText(
                    QCursor::pos(),
                    QStringLiteral("%1\n%2 = %3\n%4 %5")
                        .arg(label, key, QLocale().toString(point.y(), 'g', 6), axisTitle(axis), x),
                    m_view);
            });
}

QWidget *HistoryPage::exportTarget()
{
    return m_view;
}

QList<QStringList> HistoryPage::dataRows() const
{
    QList<QStringList> rows{{QStringLiteral("run_id"), QStringLiteral("run_name"),
                             QStringLiteral("metric"), axisTitle(m_seriesAxis).toLower(),
                             QStringLiteral("value"), QStringLiteral("low"),
                             QStringLiteral("high")}};
    QHash<QString, QString> names;
    for (const tracking::Run &run : m_runs.runs)
        names.insert(run.info.runId, run.info.runName);
    for (const HistorySeries &series : m_series) {
        for (int i = 0; i < series.data.points.size(); ++i) {
            const tracking::SeriesPoint &point = series.data.points[i];
            const QString x = m_seriesAxis == HistoryAxis::WallTime
                                  ? QDateTime::fromMSecsSinceEpoch(qint64(point.x))
                                        .toUTC()
                                        .toString(Qt::ISODateWithMs)
                                  : QString::number(point.x, 'g', 12);
            rows.append({series.runId, names.value(series.runId), series.key, x,
                         QString::number(point.y, 'g', 10),
                         QString::number(series.data.low[i], 'g', 10),
                         QString::number(series.data.high[i], 'g', 10)});
        }
    }
    return rows;
}

} // namespace millrace::ui
