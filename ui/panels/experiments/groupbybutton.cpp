#include "ui/panels/experiments/groupbybutton.h"

#include "ui/panels/experiments/rungroupmodel.h"

#include <QActionGroup>
#include <QMenu>

namespace millrace::ui {

GroupByButton::GroupByButton(RunGroupModel *model, std::function<QStringList()> paramKeys,
                             QWidget *parent)
    : QToolButton(parent), m_model(model), m_paramKeys(std::move(paramKeys))
{
    setObjectName(QStringLiteral("runGroupBy"));
    setToolTip(tr("Group the runs by a param; group rows sum up each metric over their runs"));
    setPopupMode(QToolButton::InstantPopup);
    auto *menu = new QMenu(this);
    setMenu(menu);
    // The params come and go with the runs loaded: the menu is built when it opens.
    connect(menu, &QMenu::aboutToShow, this, &GroupByButton::fillMenu);
    connect(m_model, &QAbstractItemModel::modelReset, this, &GroupByButton::updateText);
    updateText();
}

void GroupByButton::fillMenu()
{
    QMenu *menu = this->menu();
    menu->clear();
    menu->addSection(tr("Group runs by"));
    auto *keys = new QActionGroup(menu);
    auto addKey = [&](const QString &title, const QString &key) {
        QAction *action = menu->addAction(title);
        action->setCheckable(true);
        action->setChecked(m_model->groupKey() == key);
        action->setData(key);
        keys->addAction(action);
        connect(action, &QAction::triggered, this, [this, key] { m_model->setGroupKey(key); });
    };
    addKey(tr("None"), QString());
    QStringList params = m_paramKeys();
    // A param no loaded run has any more (after a filter) stays listed while it is chosen.
    if (m_model->isGrouped() && !params.contains(m_model->groupKey()))
        params.prepend(m_model->groupKey());
    for (const QString &key : std::as_const(params))
        addKey(key, key);
    if (params.isEmpty()) {
        QAction *none = menu->addAction(tr("(the runs have no params)"));
        none->setEnabled(false);
    }

    menu->addSection(tr("Group rows show"));
    auto *aggregates = new QActionGroup(menu);
    for (RunGroupModel::Aggregate aggregate :
         {RunGroupModel::Aggregate::Mean, RunGroupModel::Aggregate::Min,
          RunGroupModel::Aggregate::Max}) {
        QAction *action = menu->addAction(
            tr("The %1 of each metric").arg(RunGroupModel::aggregateName(aggregate)));
        action->setCheckable(true);
        action->setChecked(m_model->aggregate() == aggregate);
        aggregates->addAction(action);
        connect(action, &QAction::triggered, this,
                [this, aggregate] { m_model->setAggregate(aggregate); });
    }
}

void GroupByButton::updateText()
{
    setText(m_model->isGrouped() ? tr("Group: %1").arg(m_model->groupKey()) : tr("Group by"));
}

} // namespace millrace::ui
