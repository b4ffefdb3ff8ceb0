-- every order kept has a positive amount
select * from {{ ref('orders') }} where amount <= 0
