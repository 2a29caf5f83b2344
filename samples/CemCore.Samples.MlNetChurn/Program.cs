// Placeholder: the ML.NET churn-model adapter sample lands with the churn issue.
return 0;
