#include "core/serving/servingmetrics.h"

#include <QTextStream>

#include <algorithm>
#include <cmath>

namespace millrace::serving {

namespace {

// Request latencies from a quarter of a millisecond (a single image) to seconds (a large batch
// on a busy machine).
std::vector<double> latencyBounds()
{
    return {0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.02,
            0.05,    0.1,    0.25,  0.5,   1,     2.5,   5,      10};
}

std::vector<double> rowBounds()
{
    return {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096};
}

QString number(double value)
{
    if (std::isinf(value))
        return value > 0 ? QStringLiteral("+Inf") : QStringLiteral("-Inf");
    return QString::number(value, 'g', 10);
}

QString versionLabel(qint64 version)
{
    return version > 0 ? QString::number(version) : QStringLiteral("none");
}

// Label values escape backslash, double quote and newline.
QString labelValue(QString value)
{
    return value.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
        .replace(QLatin1Char('"'), QLatin1String("\\\""))
        .replace(QLatin1Char('\n'), QLatin1String("\\n"));
}

void writeHistogram(QTextStream &out, const QString &name, const QString &labels,
                    const Histogram::Reading &reading)
{
    const QString prefix = labels.isEmpty() ? QString() : labels + QLatin1Char(',');
    for (std::size_t i = 0; i < reading.cumulative.size(); ++i) {
        const double bound = i < reading.upperBounds.size() ? reading.upperBounds[i] : INFINITY;
        out << name << "_bucket{" << prefix << "le=\"" << number(bound) << "\"} "
            << reading.cumulative[i] << "\n";
    }
    const QString braces = labels.isEmpty() ? QString() : QLatin1Char('{') + labels + '}';
    out << name << "_sum" << braces << " " << number(reading.sum) << "\n";
    out << name << "_count" << braces << " " << reading.count << "\n";
}

} // namespace

Histogram::Histogram(std::vector<double> upperBounds)
    : m_bounds(std::move(upperBounds)),
      m_counts(std::make_unique<std::atomic<quint64>[]>(m_bounds.size() + 1))
{
}

void Histogram::observe(double value)
{
    const auto bucket =
        std::size_t(std::lower_bound(m_bounds.begin(), m_bounds.end(), value) - m_bounds.begin());
    m_counts[bucket].fetch_add(1, std::memory_order_relaxed);
    m_sum.fetch_add(value, std::memory_order_relaxed);
    m_count.fetch_add(1, std::memory_order_relaxed);
}

Histogram::Reading Histogram::read() const
{
    Reading reading;
    reading.upperBounds = m_bounds;
    reading.cumulative.resize(m_bounds.size() + 1);
    quint64 running = 0;
    for (std::size_t i = 0; i <= m_bounds.size(); ++i) {
        running += m_counts[i].load(std::memory_order_relaxed);
        reading.cumulative[i] = running;
    }
    // The count is the buckets' total, so that +Inf and _count agree within one scrape.
    reading.count = running;
    reading.sum = m_sum.load(std::memory_order_relaxed);
    return reading;
}

double Histogram::Reading::quantile(double share) const
{
    if (count == 0)
        return 0;
    const double rank = share * double(count);
    for (std::size_t i = 0; i < cumulative.size(); ++i) {
        if (double(cumulative[i]) < rank)
            continue;
        if (i == upperBounds.size()) // in +Inf: the largest finite bound is all we know
            return upperBounds.empty() ? 0 : upperBounds.back();
        const double lower = i == 0 ? 0 : upperBounds[i - 1];
        const double below = i == 0 ? 0 : double(cumulative[i - 1]);
        const double inBucket = double(cumulative[i]) - below;
        const double fraction = inBucket > 0 ? (rank - below) / inBucket : 1;
        return lower + (upperBounds[i] - lower) * fraction;
    }
    return upperBounds.empty() ? 0 : upperBounds.back();
}

struct ServingMetrics::VersionMetrics
{
    VersionMetrics() : latency(latencyBounds()) {}
    std::array<std::atomic<quint64>, 600> byStatus{};
    Histogram latency;
};

ServingMetrics::ServingMetrics() : m_rows(rowBounds()), m_passRows(rowBounds()) {}

ServingMetrics::~ServingMetrics() = default;

ServingMetrics::VersionMetrics &ServingMetrics::metricsOf(qint64 version)
{
    std::lock_guard lock(m_mutex);
    std::unique_ptr<VersionMetrics> &slot = m_versions[version];
    if (!slot)
        slot = std::make_unique<VersionMetrics>();
    return *slot;
}

void ServingMetrics::recordRequest(qint64 version, int status, double seconds, qint64 rows)
{
    VersionMetrics &metrics = metricsOf(version);
    metrics.byStatus[std::size_t(std::clamp(status, 0, 599))].fetch_add(1,
                                                                        std::memory_order_relaxed);
    metrics.latency.observe(seconds);
    if (rows > 0)
        m_rows.observe(double(rows));
}

void ServingMetrics::setServed(const QString &model, qint64 version, double weight)
{
    std::lock_guard lock(m_mutex);
    if (weight <= 0)
        m_served.erase({model, version});
    else
        m_served[{model, version}] = weight;
}

void ServingMetrics::recordSwap()
{
    m_swaps.fetch_add(1, std::memory_order_relaxed);
}

ServingMetrics::Snapshot ServingMetrics::snapshot() const
{
    Snapshot snapshot;
    snapshot.swaps = m_swaps.load(std::memory_order_relaxed);
    snapshot.inflight = m_inflight.load(std::memory_order_relaxed);
    const Histogram::Reading rows = m_rows.read();
    snapshot.rows = quint64(std::llround(rows.sum));
    std::vector<double> bounds = latencyBounds();
    Histogram::Reading all{bounds, std::vector<quint64>(bounds.size() + 1), 0, 0};
    std::lock_guard lock(m_mutex);
    for (const auto &[version, metrics] : m_versions) {
        quint64 requests = 0;
        for (std::size_t status = 0; status < metrics->byStatus.size(); ++status) {
            const quint64 count = metrics->byStatus[status].load(std::memory_order_relaxed);
            requests += count;
            if (status >= 400)
                snapshot.errors += count;
        }
        snapshot.requests += requests;
        if (version > 0)
            snapshot.requestsByVersion[version] = requests;
        const Histogram::Reading latency = metrics->latency.read();
        for (std::size_t i = 0; i < latency.cumulative.size(); ++i)
            all.cumulative[i] += latency.cumulative[i];
        all.count += latency.count;
        all.sum += latency.sum;
    }
    snapshot.latencyP50 = all.quantile(0.5);
    snapshot.latencyP99 = all.quantile(0.99);
    snapshot.latency = std::move(all);
    return snapshot;
}

QByteArray ServingMetrics::prometheusText() const
{
    QString text;
    QTextStream out(&text);
    std::lock_guard lock(m_mutex);

    out << "# HELP millrace_serving_requests_total Scoring requests answered, by the model "
           "version that answered (none: refused before a model saw it) and HTTP status.\n"
        << "# TYPE millrace_serving_requests_total counter\n";
    for (const auto &[version, metrics] : m_versions) {
        for (std::size_t status = 0; status < metrics->byStatus.size(); ++status) {
            const quint64 count = metrics->byStatus[status].load(std::memory_order_relaxed);
            if (count > 0)
                out << "millrace_serving_requests_total{version=\"" << versionLabel(version)
                    << "\",code=\"" << status << "\"} " << count << "\n";
        }
    }
    out << "# HELP millrace_serving_request_errors_total Scoring requests answered with a 4xx "
           "or 5xx status, by model version.\n"
        << "# TYPE millrace_serving_request_errors_total counter\n";
    for (const auto &[version, metrics] : m_versions) {
        quint64 errors = 0;
        for (std::size_t status = 400; status < metrics->byStatus.size(); ++status)
            errors += metrics->byStatus[status].load(std::memory_order_relaxed);
        out << "millrace_serving_request_errors_total{version=\"" << versionLabel(version) << "\"} "
            << errors << "\n";
    }
    out << "# HELP millrace_serving_request_duration_seconds Time from a request's arrival to "
           "its answer, by model version.\n"
        << "# TYPE millrace_serving_request_duration_seconds histogram\n";
    for (const auto &[version, metrics] : m_versions)
        writeHistogram(out, QStringLiteral("millrace_serving_request_duration_seconds"),
                       QStringLiteral("version=\"%1\"").arg(versionLabel(version)),
                       metrics->latency.read());
    out << "# HELP millrace_serving_batch_rows Rows (samples) per scoring request.\n"
        << "# TYPE millrace_serving_batch_rows histogram\n";
    writeHistogram(out, QStringLiteral("millrace_serving_batch_rows"), QString(), m_rows.read());
    out << "# HELP millrace_serving_pass_rows Rows per forward pass: more than one request's "
           "when requests that queued while the workers were busy were scored together.\n"
        << "# TYPE millrace_serving_pass_rows histogram\n";
    writeHistogram(out, QStringLiteral("millrace_serving_pass_rows"), QString(), m_passRows.read());
    out << "# HELP millrace_serving_model_version The model versions in service, with the "
           "share of requests each gets.\n"
        << "# TYPE millrace_serving_model_version gauge\n";
    for (const auto &[key, weight] : m_served)
        out << "millrace_serving_model_version{model=\"" << labelValue(key.first) << "\",version=\""
            << key.second << "\"} " << number(weight) << "\n";
    out << "# HELP millrace_serving_model_swaps_total Times the served model was replaced by "
           "another version without stopping.\n"
        << "# TYPE millrace_serving_model_swaps_total counter\n"
        << "millrace_serving_model_swaps_total " << m_swaps.load(std::memory_order_relaxed) << "\n";
    out << "# HELP millrace_serving_inflight_requests Scoring requests being answered.\n"
        << "# TYPE millrace_serving_inflight_requests gauge\n"
        << "millrace_serving_inflight_requests " << m_inflight.load(std::memory_order_relaxed)
        << "\n";
    out.flush();
    QByteArray bytes = text.toUtf8();
    for (const auto &[name, source] : m_sources)
        bytes += source();
    return bytes;
}

void ServingMetrics::setSource(const QString &name, std::function<QByteArray()> source)
{
    std::lock_guard lock(m_mutex);
    if (source)
        m_sources[name] = std::move(source);
    else
        m_sources.erase(name);
}

} // namespace millrace::serving
