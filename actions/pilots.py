"""Pilot and implementation projects: overview, list, details of one project."""

from __future__ import annotations

from abc import ABC

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    DomainDict,
    Events,
    KnowledgeAction,
    contact_vars,
    fact_vars,
    is_follow_up,
    on_file,
    repository,
    source_vars,
)
from bot.kb import Project
from bot.logic.matching import best_match

LAST_PROJECT_SLOT = "last_project"


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
        return []


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
        if key is None and is_follow_up(tracker):  # "is it still running?": the last one
            key = tracker.get_slot(LAST_PROJECT_SLOT)
        project = next((project for project in projects if project.key == key), None)
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
