#include "core/tracking/trackingtypes.h"

#include <algorithm>

namespace millrace::tracking {

namespace {

bool keyBefore(const KeyValue &item, const QString &key)
{
    return item.key < key;
}

} // namespace

KeyValueList::KeyValueList(std::initializer_list<std::pair<QString, QString>> items)
{
    for (const auto &[key, value] : items)
        insert(key, value);
}

void KeyValueList::insert(const QString &key, const QString &value)
{
    if (m_items.isEmpty() || m_items.constLast().key < key) {
        m_items.append({key, value});
        return;
    }
    const auto at = std::lower_bound(m_items.begin(), m_items.end(), key, keyBefore);
    if (at != m_items.end() && at->key == key)
        at->value = value;
    else
        m_items.insert(at, {key, value});
}

bool KeyValueList::remove(const QString &key)
{
    const auto at = std::lower_bound(m_items.cbegin(), m_items.cend(), key, keyBefore);
    if (at == m_items.cend() || at->key != key)
        return false;
    m_items.erase(at);
    return true;
}

const QString *KeyValueList::find(const QString &key) const
{
    const auto at = std::lower_bound(m_items.cbegin(), m_items.cend(), key, keyBefore);
    return at != m_items.cend() && at->key == key ? &at->value : nullptr;
}

QString KeyValueList::value(const QString &key, const QString &fallback) const
{
    const QString *found = find(key);
    return found ? *found : fallback;
}

QStringList KeyValueList::keys() const
{
    QStringList keys;
    keys.reserve(m_items.size());
    for (const KeyValue &item : m_items)
        keys.append(item.key);
    return keys;
}

QString toString(LifecycleStage stage)
{
    return stage == LifecycleStage::Active ? QStringLiteral("active") : QStringLiteral("deleted");
}

QString toString(RunStatus status)
{
    switch (status) {
    case RunStatus::Running:
        return QStringLiteral("RUNNING");
    case RunStatus::Scheduled:
        return QStringLiteral("SCHEDULED");
    case RunStatus::Finished:
        return QStringLiteral("FINISHED");
    case RunStatus::Failed:
        return QStringLiteral("FAILED");
    case RunStatus::Killed:
        return QStringLiteral("KILLED");
    }
    return QString();
}

std::optional<RunStatus> runStatusFromString(const QString &text)
{
    for (RunStatus status : {RunStatus::Running, RunStatus::Scheduled, RunStatus::Finished,
                             RunStatus::Failed, RunStatus::Killed}) {
        if (text == toString(status))
            return status;
    }
    return std::nullopt;
}

std::optional<ViewType> viewTypeFromString(const QString &text)
{
    if (text.isEmpty() || text == QLatin1String("ACTIVE_ONLY"))
        return ViewType::ActiveOnly;
    if (text == QLatin1String("DELETED_ONLY"))
        return ViewType::DeletedOnly;
    if (text == QLatin1String("ALL"))
        return ViewType::All;
    return std::nullopt;
}

} // namespace millrace::tracking
