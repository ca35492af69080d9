"""nbgrader settings for a course that hands out the kit's exercises through nbgrader.

Copy the kit's ``solutions/*.ipynb`` into ``source/<assignment>/`` of your nbgrader course and run
``nbgrader generate_assignment <assignment>``: the student notebooks it releases are the kit's ``exercises/`` (the
same cells and stubs that ``twin-make-exercises`` writes; tests/test_grader.py checks it). Autograding stays with the
kit's checks (``twin-grade``); nbgrader's manual grading of written answers works as usual.
"""

from twin.course.exercises import STUB, YOUR_ANSWER

c = get_config()  # noqa: F821 - nbgrader provides get_config when it reads this file
# The kit's solution cells carry nbgrader's BEGIN/END SOLUTION markers without nbgrader's cell metadata.
c.ClearSolutions.enforce_metadata = False
c.ClearSolutions.code_stub = {"python": f"# YOUR CODE HERE\n{STUB}"}
# A written question's model answer (between the markers in HTML comments) becomes the same answer line.
c.ClearSolutions.text_stub = YOUR_ANSWER
