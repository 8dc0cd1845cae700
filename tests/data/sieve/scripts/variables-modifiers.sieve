require ["variables", "fileinto"];
set "a" "juMBlEd lETteRS";
set :length "len" "${a}";
set :lower "low" "${a}";
set :upperfirst "uf" "${a}";
set :lower :upperfirst "luf" "${a}";
set :quotewildcard "qw" "a*b?c\\d";
fileinto "${len}-${low}-${uf}-${luf}";
if string :is "${qw}" "a\\*b\\?c\\\\d" { fileinto "quoted"; }
