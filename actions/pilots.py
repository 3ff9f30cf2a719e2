"""Pilot and implementation projects: overview, list, details of one project."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    answer_safely,
    contact_vars,
    is_follow_up,
    language_of,
    repository,
    source_vars,
    utter_unknown,
)
from bot.kb import Project
from bot.matching import best_match

LAST_PROJECT_SLOT = "last_project"


def project_name(project: Project, language: str) -> str:
    return project.name_en if language == "en" else project.name_de


def project_list(projects: list[Project], language: str) -> str:
    return "\n".join(
        f"{project.number}. {project_name(project, language)}" if project.number
        else f"• {project_name(project, language)}"
        for project in projects
    )


class ActionPilotsOverview(Action):
    topic = "projects"

    def name(self) -> str:
        return "action_pilots_overview"

    @answer_safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        language = language_of(tracker)
        fact = repository().fact("pilots")
        pilots = repository().projects("pilot")
        if fact is None or not pilots:
            utter_unknown(dispatcher, language)
            return []
        dispatcher.utter_message(
            response="utter_pilots_overview",
            fact=fact.text_en if language == "en" else fact.text_de,
            count=len(pilots),
            project_list=project_list(pilots, language),
            # the shortest name reads best in "What is ...?"
            example=min((project_name(p, language) for p in pilots), key=len),
            **source_vars(fact, language),
        )
        return []


class ActionImplementationProjects(Action):
    topic = "projects"

    def name(self) -> str:
        return "action_implementation_projects"

    @answer_safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        language = language_of(tracker)
        fact = repository().fact("implementation")
        projects = repository().projects("implementation")
        if fact is None:
            utter_unknown(dispatcher, language)
            return []
        dispatcher.utter_message(
            response="utter_implementation_projects",
            fact=fact.text_en if language == "en" else fact.text_de,
            project_list=project_list(projects, language),
            **source_vars(fact, language),
        )
        return []


class ActionPilotDetail(Action):
    topic = "projects"

    def name(self) -> str:
        return "action_pilot_detail"

    @answer_safely
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        language = language_of(tracker)
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
