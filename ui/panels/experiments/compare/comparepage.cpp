#include "ui/panels/experiments/compare/comparepage.h"

#include <QChart>
#include <QChartView>
#include <QCollator>
#include <QHBoxLayout>
#include <QLabel>
#include <QSet>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace millrace::ui {

CompareRunSet CompareRunSet::from(const QList<tracking::Run> &runs, const QList<QColor> &colours)
{
    CompareRunSet set;
    set.runs = runs;
    set.colours = colours;
    QSet<QString> metrics;
    QSet<QString> params;
    QSet<QString> history;
    for (const tracking::Run &run : runs) {
        for (const tracking::MetricPoint &point : run.latestMetrics) {
            metrics.insert(point.key);
            // The latest point's step tells whether there is a history to draw without reading
            // it: a metric logged once sits at step 0.
            if (point.step > 0)
                history.insert(point.key);
        }
        for (const tracking::KeyValue &item : run.params)
            params.insert(item.key);
    }
    auto sorted = [](const QSet<QString> &keys) {
        QStringList list(keys.cbegin(), keys.cend());
        std::sort(list.begin(), list.end());
        return list;
    };
    set.metricKeys = sorted(metrics);
    set.paramKeys = sorted(params);
    set.historyKeys = sorted(history);
    return set;
}

QString CompareRunSet::label(const tracking::Run &run)
{
    return run.info.runName.isEmpty() ? run.info.runId.left(8) : run.info.runName;
}

double CompareRunSet::latestMetric(const tracking::Run &run, const QString &key)
{
    for (const tracking::MetricPoint &point : run.latestMetrics) {
        if (point.key == key)
            return point.value;
    }
    return std::numeric_limits<double>::quiet_NaN();
}

QString CompareRunSet::textValue(const tracking::Run &run, const QString &key)
{
    static const QString params = QStringLiteral("params.");
    static const QString metrics = QStringLiteral("metrics.");
    if (key.startsWith(params))
        return run.params.value(key.mid(params.size()));
    if (key.startsWith(metrics)) {
        const QString metric = key.mid(metrics.size());
        for (const tracking::MetricPoint &point : run.latestMetrics) {
            if (point.key == metric)
                return QString::number(point.value, 'g', 10);
        }
    }
    return QString();
}

KeyPlacement placeRuns(const QList<tracking::Run> &runs, const QString &key)
{
    KeyPlacement placement;
    QStringList texts;
    bool numeric = true;
    for (const tracking::Run &run : runs) {
        const QString text = CompareRunSet::textValue(run, key);
        texts.append(text);
        if (!text.isEmpty()) {
            bool ok = false;
            text.toDouble(&ok);
            numeric = numeric && ok;
        }
    }
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    if (numeric) {
        for (const QString &text : std::as_const(texts))
            placement.positions.append(text.isEmpty() ? nan : text.toDouble());
        return placement;
    }
    QStringList distinct;
    for (const QString &text : std::as_const(texts)) {
        if (!text.isEmpty() && !distinct.contains(text))
            distinct.append(text);
    }
    QCollator collator;
    collator.setNumericMode(true);
    std::sort(distinct.begin(), distinct.end(), collator);
    placement.categories = distinct;
    for (const QString &text : std::as_const(texts))
        placement.positions.append(text.isEmpty() ? nan : double(distinct.indexOf(text)));
    return placement;
}

QStringList CompareRunSet::allKeys() const
{
    QStringList keys;
    for (const QString &key : paramKeys)
        keys.append(QStringLiteral("params.") + key);
    for (const QString &key : metricKeys)
        keys.append(QStringLiteral("metrics.") + key);
    return keys;
}

void ComparePage::setUpLayout(const QList<QWidget *> &controls, QWidget *main, QLabel *note)
{
    auto *row = new QHBoxLayout;
    row->setContentsMargins(0, 0, 0, 0);
    for (QWidget *control : controls)
        row->addWidget(control);
    row->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 0);
    layout->addLayout(row);
    layout->addWidget(main, 1);
    layout->addWidget(note);
}

void ComparePage::showChart(QChartView *view, QChart *chart)
{
    QChart *old = view->chart();
    view->setChart(chart); // the view lets go of the old chart without deleting it
    delete old;
}

QString ComparePage::latestPointsSignature(const QList<tracking::Run> &runs,
                                           const QStringList &keys)
{
    QStringList parts;
    for (const tracking::Run &run : runs) {
        parts.append(run.info.runId);
        for (const tracking::MetricPoint &point : run.latestMetrics) {
            if (keys.isEmpty() || keys.contains(point.key))
                parts.append(
                    QStringLiteral("%1@%2/%3").arg(point.key).arg(point.step).arg(point.timestamp));
        }
    }
    return parts.join(QLatin1Char('|'));
}

} // namespace millrace::ui
