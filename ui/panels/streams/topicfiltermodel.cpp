#include "ui/panels/streams/topicfiltermodel.h"

#include "ui/panels/streams/topictreemodel.h"

namespace millrace::ui {

TopicFilterModel::TopicFilterModel(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(TopicTreeModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
}

void TopicFilterModel::setShowInternal(bool show)
{
    if (show == m_showInternal)
        return;
    m_showInternal = show;
    invalidateFilter();
}

void TopicFilterModel::setNameFilter(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_nameFilter)
        return;
    m_nameFilter = trimmed;
    invalidateFilter();
}

bool TopicFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    // A partition is shown whenever its topic is.
    if (sourceParent.isValid())
        return true;
    const QModelIndex topic = sourceModel()->index(sourceRow, 0, sourceParent);
    if (!m_showInternal && topic.data(TopicTreeModel::InternalRole).toBool())
        return false;
    return m_nameFilter.isEmpty()
           || topic.data(TopicTreeModel::TopicRole)
                  .toString()
                  .contains(m_nameFilter, Qt::CaseInsensitive);
}

bool TopicFilterModel::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    const QVariant a = left.data(sortRole());
    const QVariant b = right.data(sortRole());
    // Rows without a value for the column (a topic's leader) keep the name order.
    if (!a.isValid() || !b.isValid()) {
        if (a.isValid() != b.isValid())
            return b.isValid();
        const QString leftTopic = left.data(TopicTreeModel::TopicRole).toString();
        const QString rightTopic = right.data(TopicTreeModel::TopicRole).toString();
        if (leftTopic != rightTopic)
            return leftTopic < rightTopic;
        return left.data(TopicTreeModel::PartitionRole).toInt()
               < right.data(TopicTreeModel::PartitionRole).toInt();
    }
    return QSortFilterProxyModel::lessThan(left, right);
}

} // namespace millrace::ui
