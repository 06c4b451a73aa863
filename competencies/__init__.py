"""The endorsement framework as data: programs, areas, competencies, categories, requirements."""
