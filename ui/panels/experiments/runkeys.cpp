#include "ui/panels/experiments/runkeys.h"

#include <QCollator>
#include <QLocale>
#include <QSet>

#include <algorithm>

namespace millrace::ui {

namespace {

// The distinct keys of a listing's runs. Runs read together share one string per key at each
// place, so a key whose string is the one seen last at its place is known without hashing it:
// 10,000 runs with 40 keys each cost 400,000 hash look-ups otherwise.
class KeyCollector
{
public:
    void add(int place, const QString &key)
    {
        if (place < m_last.size() && m_last.at(place).constData() == key.constData()
            && m_last.at(place).size() == key.size())
            return;
        m_keys.insert(key);
        if (place < m_last.size())
            m_last[place] = key;
        else
            m_last.append(key);
    }
    QStringList sortedKeys() const
    {
        QStringList keys(m_keys.cbegin(), m_keys.cend());
        sortKeys(keys);
        return keys;
    }

private:
    QSet<QString> m_keys;
    QList<QString> m_last;
};

} // namespace

RunKeys collectRunKeys(const QList<tracking::Run> &runs)
{
    KeyCollector params, metrics, tags;
    for (const tracking::Run &run : runs) {
        int place = 0;
        for (const tracking::KeyValue &item : run.params)
            params.add(place++, item.key);
        place = 0;
        for (const tracking::MetricPoint &point : run.latestMetrics)
            metrics.add(place++, point.key);
        place = 0;
        for (const tracking::KeyValue &item : run.tags)
            tags.add(place++, item.key);
    }
    return {params.sortedKeys(), metrics.sortedKeys(), tags.sortedKeys()};
}

void sortKeys(QStringList &keys)
{
    // Under the "C" locale (LANG unset) QCollator ignores numeric mode: name the locale.
    QCollator collator{QLocale(QLocale::English, QLocale::UnitedStates)};
    collator.setCaseSensitivity(Qt::CaseInsensitive);
    collator.setNumericMode(true);
    std::sort(keys.begin(), keys.end(), [&collator](const QString &a, const QString &b) {
        const int order = collator.compare(a, b);
        return order != 0 ? order < 0 : a < b;
    });
}

} // namespace millrace::ui
