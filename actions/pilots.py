"""Pilot and implementation projects: overview, list, details of one project."""

from __future__ import annotations

from abc import ABC

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    TOPIC_SLOT,
    DomainDict,
    Events,
    KnowledgeAction,
    contact_vars,
    fact_vars,
    is_follow_up,
    on_file,
    repository,
    source_vars,
    utter_unknown,
)
from bot.kb import Project
from bot.logic.intents import NEEDS_SUBJECT
from bot.logic.matching import best_match, mentions_any

LAST_PROJECT_SLOT = "last_project"
_, PROJECT_KIND_WORDS = NEEDS_SUBJECT["pilot_detail"]
# "Was hat das gekostet?": the pilots' budget is on file, a single project's cost is not.
COST_FOLLOW_UP = "followup_cost"


def refers_back(tracker: Tracker, text: str) -> bool:
    """A project question without a name while the conversation is about the projects ("when
    was the first episode?") is about the project last named; one that asks for a project
    by a name we do not know ("Was ist das Projekt Seilbahn?") is not."""
    if is_follow_up(tracker):
        return True
    return (tracker.get_slot(TOPIC_SLOT) == ProjectAction.topic
            and not mentions_any(text, PROJECT_KIND_WORDS))


def project_name(project: Project, language: str) -> str:
    return project.name_en if language == "en" else project.name_de


def project_list(projects: list[Project], language: str) -> str:
    return "\n".join(
        f"{project.number}. {project_name(project, language)}" if project.number
        else f"• {project_name(project, language)}"
        for project in projects
    )


class ProjectAction(KnowledgeAction, ABC):
    """An answer about the projects: each makes them the conversation's topic."""

    topic = "projects"


class ActionPilotsOverview(ProjectAction):
    action_name = "action_pilots_overview"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        fact = on_file(repository().fact("pilots"))
        pilots = on_file(repository().projects("pilot"))
        dispatcher.utter_message(
            response="utter_pilots_overview",
            count=len(pilots),
            project_list=project_list(pilots, language),
            # the shortest name reads best in "What is ...?"
            example=min((project_name(p, language) for p in pilots), key=len),
            **fact_vars(fact, language),
        )
        # the pilots as a group are now in focus: "und was haben die gekostet?" is about them
        return [SlotSet(LAST_PROJECT_SLOT, None)]


class ActionImplementationProjects(ProjectAction):
    action_name = "action_implementation_projects"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        fact = on_file(repository().fact("implementation"))
        projects = repository().projects("implementation")
        dispatcher.utter_message(
            response="utter_implementation_projects",
            project_list=project_list(projects, language),
            **fact_vars(fact, language),
        )
        return []


class ActionPilotDetail(ProjectAction):
    action_name = "action_pilot_detail"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
               language: str) -> Events:
        projects = repository().projects()
        entity = next(tracker.get_latest_entity_values("project"), None)
        text = (tracker.latest_message or {}).get("text") or ""
        match = best_match(text, projects, entity=entity)
        key = match.key if match else None
        if key is None and refers_back(tracker, text):  # "is it still running?": the last one
            key = tracker.get_slot(LAST_PROJECT_SLOT)
            if key is None:  # no single project in focus: the pilots as a group
                return ActionPilotsOverview().answer(dispatcher, tracker, domain, language)
        project = next((project for project in projects if project.key == key), None)
        if project is not None and tracker.get_intent_of_latest_message() == COST_FOLLOW_UP:
            utter_unknown(dispatcher, language)  # one project's cost is not on file
            return [SlotSet(LAST_PROJECT_SLOT, project.key)]
        if project is None:
            pilots = [project for project in projects if project.kind == "pilot"]
            dispatcher.utter_message(
                response="utter_project_unknown",
                count=len(pilots),
                project_list=project_list(pilots, language),
                **contact_vars(repository().contact(), language),
            )
            return []
        dispatcher.utter_message(
            response="utter_project_detail",
            name=project_name(project, language),
            description=project.description_en if language == "en" else project.description_de,
            status=project.status_en if language == "en" else project.status_de,
            link=project.links[0] if project.links else project.source,
            **source_vars(project, language),
        )
        return [SlotSet(LAST_PROJECT_SLOT, project.key)]
